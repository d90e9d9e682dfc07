"""Photos uploaded from phones: where they are stored and what is accepted. Files have
unguessable names and no public URL; views stream them after the same scoping as their data."""

import mimetypes
import uuid

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

MAX_PHOTO_BYTES = 10 * 1024 * 1024
PHOTO_SUFFIXES = {"jpg", "jpeg", "png", "webp", "heic"}


def unguessable_path(folder: str, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    if suffix not in PHOTO_SUFFIXES:
        suffix = "jpg"
    return f"{folder}/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.{suffix}"


def check_photo(photo) -> None:
    """Refuse what is not a photo or is too large, as a field error on `photos`."""
    if photo.size and photo.size > MAX_PHOTO_BYTES:
        raise ValidationError({"photos": _("A photo may be at most 10 MB.")})
    if not (getattr(photo, "content_type", "") or "image/").startswith("image/"):
        raise ValidationError({"photos": _("Only photos can be attached.")})


def file_response(field_file) -> FileResponse:
    """A stored file (a photo, an attachment) as an answer, typed by its name."""
    content_type = mimetypes.guess_type(field_file.name)[0] or "application/octet-stream"
    return FileResponse(field_file.open("rb"), content_type=content_type)
