from django.urls import path

from . import views

app_name = "grids"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("staffing/", views.staffing, name="staffing"),
    path("<int:pk>/", views.node_detail, name="node_detail"),
    path("<int:pk>/boundary/", views.node_boundary, name="node_boundary"),
]
