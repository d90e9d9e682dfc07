from django.urls import path  # noqa: F401

app_name = "committees"
urlpatterns: list = []
# The public board of the three lists (公示), outside the staff pages.
public_urlpatterns: list = []
