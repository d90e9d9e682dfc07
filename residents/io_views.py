"""Import from a spreadsheet, the template to fill in, and export of the registry.

The import is two steps. An upload is kept server-side under a random token (the session holds
the token, the page holds nothing of the file) and always checked first (a dry run); the page
then shows every bad row, or a summary with a button that imports the stored file for real.
"""

import io
import os
import re
import secrets
import tempfile
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from gridportal.permissions import requires
from gridportal.replica import lag_tolerant

from . import exporting, selectors
from .forms import RegistryFilterForm
from .importing import ImportReport, import_residents

IMPORT = "residents.import"
SESSION_KEY = "residents_import"
MAX_UPLOAD_BYTES = 64 * 1024 * 1024
STALE_AFTER_SECONDS = 24 * 3600
SUFFIXES = (".xlsx", ".csv")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUFFIXES),
                                               "class": "form-control"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in SUFFIXES:
            raise forms.ValidationError(_("Upload an .xlsx or .csv file."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("A file may be at most 64 MB."))
        return upload


def upload_dir() -> Path:
    folder = Path(getattr(settings, "FILE_UPLOAD_TEMP_DIR", None) or tempfile.gettempdir())
    folder = folder / "gridportal-imports"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _remove_stale_uploads(folder: Path) -> None:
    cutoff = time.time() - STALE_AFTER_SECONDS
    for path in folder.iterdir():
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def _stored_path(pending: dict) -> Path | None:
    token, suffix = pending.get("token", ""), pending.get("suffix", "")
    if not _TOKEN.fullmatch(token) or suffix not in SUFFIXES:
        return None
    return upload_dir() / f"{token}{suffix}"


def _store_upload(request: HttpRequest, upload) -> dict:
    folder = upload_dir()
    _remove_stale_uploads(folder)
    pending = {"token": secrets.token_urlsafe(24), "suffix": Path(upload.name).suffix.lower(),
               "name": Path(upload.name).name[:100], "user": request.user.pk}
    descriptor = os.open(_stored_path(pending), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    request.session[SESSION_KEY] = pending
    return pending


def _discard(request: HttpRequest) -> None:
    pending = request.session.pop(SESSION_KEY, None)
    path = _stored_path(pending) if pending else None
    if path is not None:
        path.unlink(missing_ok=True)


def _run_import(request: HttpRequest, pending: dict, *, dry_run: bool) -> ImportReport:
    path = _stored_path(pending)
    if path is None:
        raise ValueError("no stored upload")
    with path.open("rb") as file:
        return import_residents(actor=request.user, file=file, filename=pending["name"],
                                dry_run=dry_run)


def _pending_for(request: HttpRequest) -> dict | None:
    """The stored upload named by the posted token, if it is this user's and still there."""
    pending = request.session.get(SESSION_KEY)
    if not pending or pending.get("user") != request.user.pk:
        return None
    path = _stored_path(pending)
    if path is None or not path.exists():
        return None
    if not constant_time_compare(pending["token"], request.POST.get("token", "")):
        return None
    return pending


def _render(request: HttpRequest, form: ImportForm, report: ImportReport | None = None,
            pending: dict | None = None, status: int = 200) -> HttpResponse:
    return render(request, "residents/import.html", {
        "form": form, "report": report, "pending": pending,
    }, status=status)


@never_cache
@requires(IMPORT)
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "GET" or not form.is_valid():
        return _render(request, form, status=200 if request.method == "GET" else 400)
    _discard(request)  # an earlier upload not imported
    pending = _store_upload(request, form.cleaned_data["file"])
    report = _run_import(request, pending, dry_run=True)
    if not report.ok:
        _discard(request)
        return _render(request, ImportForm(), report)
    return _render(request, ImportForm(), report, pending)


def _confirm(request: HttpRequest) -> HttpResponse:
    pending = _pending_for(request)
    if pending is None:
        messages.error(request, _("This upload is no longer available: please upload the file "
                                  "again."))
        return redirect("residents:import")
    report = _run_import(request, pending, dry_run=False)
    _discard(request)
    if not report.ok:
        return _render(request, ImportForm(), report)
    messages.success(request, _(
        "Imported %(residents)d residents in %(households)d new households (%(buildings)d new "
        "buildings, %(dwellings)d new dwellings).") % {
        "residents": report.residents, "households": report.households,
        "buildings": report.buildings, "dwellings": report.dwellings})
    return redirect("residents:import")


@requires(IMPORT)
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    buffer = io.BytesIO()
    exporting.write_template(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=exporting.XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="residents-import-template.xlsx"'
    return response


@never_cache
@requires(selectors.EXPORT)
@require_GET
@lag_tolerant
def export(request: HttpRequest) -> HttpResponse:
    """The registry as the user may export it, filtered like the registry page (never by a
    number); every export is logged with its filter and row count."""
    fmt = request.GET.get("format", "csv")
    form = RegistryFilterForm(request.GET, buildings=selectors.building_list_for(
        user=request.user))
    if fmt not in ("csv", "xlsx") or not form.is_valid():
        return HttpResponseBadRequest(_("Unknown export format or filter."))
    filters = {name: form.cleaned_data[name]
               for name in ("text", "tags", "residence_type", "building")}
    residents = selectors.exportable(selectors.resident_list_for(user=request.user, **filters),
                                     user=request.user)
    return exporting.export_response(user=request.user, residents=residents, fmt=fmt,
                                     filters=exporting.describe_filters(filters))
