from django.urls import path

from .views import activities, committees, lists, meetings, partners, public, service_items, teams

app_name = "committees"
urlpatterns = [
    path("", committees.committee_list, name="list"),
    path("<int:pk>/", committees.committee_detail, name="detail"),
    path("<int:pk>/members/", committees.member_add, name="member_add"),
    path("<int:pk>/charters/", committees.charter_adopt, name="charter_adopt"),
    path("<int:pk>/charters/<int:charter_pk>/file/", committees.charter_file,
         name="charter_file"),
    path("<int:pk>/meetings/", committees.meeting_schedule, name="meeting_schedule"),
    path("meetings/<int:pk>/", meetings.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/record/", meetings.meeting_record, name="meeting_record"),
    path("meetings/<int:pk>/decisions/", meetings.decision_add, name="decision_add"),
    path("meetings/<int:pk>/attendance/", meetings.attendance, name="attendance"),
    path("meetings/<int:pk>/attendance/<int:member_pk>/", meetings.attendance_mark,
         name="attendance_mark"),
    path("partners/", partners.partner_list, name="partner_list"),
    path("partners/new/", partners.partner_create, name="partner_create"),
    path("partners/<int:pk>/", partners.partner_detail, name="partner"),
    path("partners/<int:pk>/edit/", partners.partner_edit, name="partner_edit"),
    path("partners/<int:pk>/resources/", partners.resource_create, name="resource_create"),
    path("resources/<int:pk>/edit/", partners.resource_edit, name="resource_edit"),
    path("services/", service_items.service_list, name="service_list"),
    path("services/new/", service_items.service_create, name="service_create"),
    path("services/<int:pk>/edit/", service_items.service_edit, name="service_edit"),
    path("lists/", lists.three_lists, name="three_lists"),
    path("lists/match/", lists.match_create, name="match_create"),
    path("matches/<int:pk>/status/", lists.match_status, name="match_status"),
    path("activities/", activities.activity_list, name="activity_list"),
    path("activities/new/", activities.activity_create, name="activity_create"),
    path("activities/<int:pk>/", activities.activity_detail, name="activity"),
    path("activities/<int:pk>/photos/<int:photo_pk>/", activities.activity_photo,
         name="activity_photo"),
    path("teams/new/", activities.team_create, name="team_create"),
    path("teams/<int:pk>/", teams.team_detail, name="team"),
    path("teams/<int:pk>/volunteers/", teams.volunteer_add, name="volunteer_add"),
    path("teams/<int:pk>/hours/", teams.hours_add, name="hours_add"),
]
# The public board of the three lists (公示), outside the staff pages.
public_urlpatterns = [
    path("board/<str:code>/", public.board, name="board"),
]
