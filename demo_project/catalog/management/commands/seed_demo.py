from django.core.management.base import BaseCommand

from demo_project.catalog.seed import seed


class Command(BaseCommand):
    help = "Create the demo authors and books (safe to run twice)."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="delete existing rows first")

    def handle(self, *args, reset=False, **options):
        count = seed(reset=reset)
        self.stdout.write(f"{count} books in the catalog")
