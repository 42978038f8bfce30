"""Files kept in the database, so a file written on one host downloads from any other (EXPORT_STORAGE=database)."""

import pytest
from django.core.files.base import ContentFile

from dashboard.models import StoredFile
from dashboard.stored_files import DatabaseStorage

pytestmark = pytest.mark.django_db


def test_saved_file_reads_back_with_its_size():
    storage = DatabaseStorage()
    name = storage.save("orders/a.csv", ContentFile(b"order_id\nA1\n"))
    assert name == "orders/a.csv"
    assert storage.exists(name) and storage.size(name) == 12
    with storage.open(name) as handle:
        assert handle.read() == b"order_id\nA1\n"


def test_saving_again_replaces_the_file_under_the_same_name():
    storage = DatabaseStorage()
    storage.save("orders/a.csv", ContentFile(b"first"))
    assert storage.save("orders/a.csv", ContentFile(b"second, longer")) == "orders/a.csv"
    assert StoredFile.objects.count() == 1
    assert storage.open("orders/a.csv").read() == b"second, longer"


def test_a_missing_file_is_not_found_and_delete_removes_it():
    storage = DatabaseStorage()
    with pytest.raises(FileNotFoundError):
        storage.open("orders/none.csv")
    storage.save("orders/b.csv", ContentFile("text is stored as UTF-8: ₹"))
    assert storage.open("orders/b.csv").read() == "text is stored as UTF-8: ₹".encode()
    storage.delete("orders/b.csv")
    assert not storage.exists("orders/b.csv")


def test_files_open_for_reading_only():
    with pytest.raises(ValueError, match="reading only"):
        DatabaseStorage().open("orders/a.csv", "wb")
