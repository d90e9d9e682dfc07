"""The public board of the three lists (公示), no login: services with where and when, partner
units' resources, and needs by title, grid and status only (never a resident's details)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control

from .. import selectors


@cache_control(public=True, max_age=60)
def board(request: HttpRequest, code: str) -> HttpResponse:
    return render(request, "committees/public/board.html",
                  {"board": selectors.public_board(community_code=code)})
