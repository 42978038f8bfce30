"""Where files the web tier serves live, so that any host can serve what another wrote.

`storages["exports"]` (settings `EXPORT_STORAGE`) holds the CSV exports a task writes and the person who asked
downloads. The embedded default is the local disk (`DATA_DIR/exports`), right for one machine. With several web
hosts, `EXPORT_STORAGE=database` keeps them in the `StoredFile` table (nothing more to run), or a dotted path
names any Django storage backend, e.g. django-storages' `storages.backends.s3.S3Storage`, with its options as
JSON in `EXPORT_STORAGE_OPTIONS`.
"""

from __future__ import annotations

from typing import IO, Any

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage
from django.utils.deconstruct import deconstructible

from dashboard.models import StoredFile


@deconstructible
class DatabaseStorage(Storage):
    """Files as rows of `StoredFile`: a name, the bytes and their size. For exports (megabytes), not media."""

    def _open(self, name: str, mode: str = "rb") -> File[bytes]:
        if "w" in mode or "a" in mode:
            raise ValueError("DatabaseStorage opens files for reading only; save() writes them")
        row = StoredFile.objects.filter(name=name).only("content").first()
        if row is None:
            raise FileNotFoundError(name)
        return ContentFile(bytes(row.content), name=name)

    def _save(self, name: str, content: IO[Any]) -> str:
        if hasattr(content, "seek"):
            content.seek(0)
        data = content.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
        StoredFile.objects.update_or_create(name=name, defaults={"content": data, "size": len(data)})
        return name

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return name  # a job's file has one name; saving again replaces it (a retried task writes it anew)

    def exists(self, name: str) -> bool:
        return StoredFile.objects.filter(name=name).exists()

    def delete(self, name: str) -> None:
        StoredFile.objects.filter(name=name).delete()

    def size(self, name: str) -> int:
        row = StoredFile.objects.filter(name=name).only("size").first()
        if row is None:
            raise FileNotFoundError(name)
        return row.size

    def url(self, name: str | None) -> str:
        raise NotImplementedError("stored files are served by the view that checks who may download them")
