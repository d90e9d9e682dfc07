"""Request guards that hold for every page and API view."""

from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.core.validators import ProhibitNullCharactersValidator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

NUL = "\x00"


class RejectNulMiddleware:
    """A NUL character (0x00) in the address or in a query parameter never reaches a view.

    PostgreSQL refuses NUL in a text literal: a path parameter such as the board's community
    code or a tracking token, or a query value such as an admin list filter, that went into a
    text lookup raised ValueError there and the request answered 500 (SQLite let it through,
    so the bug showed only in production). Forms and serializers already refuse NUL in the
    fields they read (Django's and DRF's ProhibitNullCharactersValidator); this guard covers
    the values that go to a lookup without one, for every URL, present and future:

    - NUL in the path: 404, as for any address that leads nowhere (nothing in the portal is
      named with a NUL);
    - NUL in a query parameter's name or value: 400; the API names the parameter with the
      same message a form field gives (``{"q": ["Null characters are not allowed."]}``).

    API answers (paths under /api/) are JSON, the pages' are the portal's 404 and 400 pages.
    It sits last in MIDDLEWARE, so those pages still know the user and carry the usual headers.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path_info:
            raise Http404  # JSON under /api/ (gridportal.views.page_not_found)
        names = sorted({name for name, values in request.GET.lists()
                        if NUL in name or any(NUL in value for value in values)})
        if names:
            message = str(ProhibitNullCharactersValidator.message)
            if request.path_info.startswith("/api/"):
                return JsonResponse({name.replace(NUL, ""): [message] for name in names},
                                    status=400)
            raise BadRequest(message)
        return self.get_response(request)
