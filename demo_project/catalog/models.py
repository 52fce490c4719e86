from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100, unique=True)
    born = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Book(models.Model):
    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    published = models.PositiveIntegerField()

    class Meta:
        ordering = ["published", "title"]

    def __str__(self):
        return self.title
