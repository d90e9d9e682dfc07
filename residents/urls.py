from django.urls import path

from . import center_views, io_views, views

app_name = "residents"
urlpatterns = [
    path("", views.registry, name="registry"),
    path("import/", io_views.import_page, name="import"),
    path("import/template.xlsx", io_views.import_template, name="import_template"),
    path("export/", io_views.export, name="export"),
    path("new/", views.resident_create, name="resident_create"),
    path("<int:pk>/", views.resident_detail, name="resident_detail"),
    path("<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("<int:pk>/reveal/", views.resident_reveal, name="resident_reveal"),
    path("buildings/", views.building_list, name="building_list"),
    path("colours.css", views.colours_css, name="colours_css"),
    path("buildings/<int:pk>/", views.colour_map, name="colour_map"),
    path("households/lookup/", views.household_lookup, name="household_lookup"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("dwellings/<int:dwelling_pk>/household/", views.household_create,
         name="household_create"),
    path("households/<int:pk>/visit/", views.visit_create, name="visit_create"),
    path("memberships/<int:pk>/leave/", views.membership_leave, name="membership_leave"),
    path("visits/<int:visit_pk>/photos/<int:photo_pk>/", views.visit_photo, name="visit_photo"),
    path("transfers/", center_views.transfer_list, name="transfer_list"),
    path("transfers/<int:pk>/decide/", center_views.transfer_decide, name="transfer_decide"),
    path("exports/", center_views.export_log, name="export_log"),
]
