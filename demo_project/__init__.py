"""An ordinary Django project that the course embeds, serves and measures."""
