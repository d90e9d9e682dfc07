from django.urls import path

from .views import dashboard, mobile, public, staff, whistles

app_name = "tickets"
urlpatterns = [
    path("", staff.queue, name="queue"),
    path("new/", staff.ticket_create, name="create"),
    path("<int:pk>/", staff.ticket_detail, name="detail"),
    path("<int:pk>/act/", staff.ticket_act, name="act"),
    path("<int:pk>/photos/<int:photo_pk>/", staff.ticket_photo, name="photo"),
    path("inbox/", staff.inbox, name="inbox"),
    path("whistles/", whistles.whistled, name="whistled"),
    path("import/", staff.work_order_import, name="work_order_import"),
    path("import/template.xlsx", staff.work_order_template, {"kind": "xlsx"},
         name="work_order_template_xlsx"),
    path("import/template.csv", staff.work_order_template, {"kind": "csv"},
         name="work_order_template_csv"),
    path("mine/", mobile.my_tasks, name="my_tasks"),
    path("report/", mobile.quick_report, name="quick_report"),
    path("mine/<int:pk>/", mobile.task_detail, name="task_detail"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/export.xlsx", dashboard.dashboard_export, name="dashboard_export"),
]

# Pages that need no login, mounted at the site root by gridportal/urls.py.
public_urlpatterns = [
    path("report/", public.report, name="report"),
    path("report/outlines.geojson", public.outlines, name="report_outlines"),
    path("track/", public.lookup, name="lookup"),
    path("track/<str:token>/", public.track, name="track"),
    path("track/<str:token>/rate/", public.rate, name="rate"),
]
