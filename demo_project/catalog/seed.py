"""The demo data: a few authors and their books, the same on every machine."""

from django.db import transaction

from demo_project.catalog.models import Author, Book

AUTHORS = {
    ("Ada Lovelace", 1815): [("Notes on the Analytical Engine", 1843)],
    ("Grace Hopper", 1906): [("A Manual of Operation for the Mark I", 1946),
                             ("The Education of a Computer", 1952)],
    ("Edsger Dijkstra", 1930): [("A Note on Two Problems in Connexion with Graphs", 1959),
                                ("Go To Statement Considered Harmful", 1968),
                                ("A Discipline of Programming", 1976)],
    ("Barbara Liskov", 1939): [("Data Abstraction and Hierarchy", 1987),
                               ("Program Development in Java", 2000)],
    ("Donald Knuth", 1938): [("Fundamental Algorithms", 1968),
                             ("Seminumerical Algorithms", 1969),
                             ("Sorting and Searching", 1973),
                             ("Literate Programming", 1984)],
}


@transaction.atomic
def seed(reset=False):
    """Create the demo authors and books; return how many books exist afterwards."""
    if reset:
        Book.objects.all().delete()
        Author.objects.all().delete()
    for (name, born), books in AUTHORS.items():
        author, _ = Author.objects.get_or_create(name=name, defaults={"born": born})
        for title, year in books:
            Book.objects.get_or_create(title=title, author=author, defaults={"published": year})
    return Book.objects.count()
