from django.urls import path

from .views import activities, committees, lists, meetings, public

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
    path("partners/", lists.partner_list, name="partner_list"),
    path("partners/<int:pk>/", lists.partner_detail, name="partner"),
    path("services/", lists.service_list, name="service_list"),
    path("lists/", lists.three_lists, name="three_lists"),
    path("lists/match/", lists.match_create, name="match_create"),
    path("matches/<int:pk>/status/", lists.match_status, name="match_status"),
    path("activities/", activities.activity_list, name="activity_list"),
    path("activities/new/", activities.activity_create, name="activity_create"),
    path("activities/<int:pk>/", activities.activity_detail, name="activity"),
    path("activities/<int:pk>/photos/<int:photo_pk>/", activities.activity_photo,
         name="activity_photo"),
    path("teams/<int:pk>/", activities.team_detail, name="team"),
]
# The public board of the three lists (公示), outside the staff pages.
public_urlpatterns = [
    path("board/<str:code>/", public.board, name="board"),
]
