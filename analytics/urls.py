from django.urls import path

from analytics import apis, views

urlpatterns = [
    path("analytics/", views.analytics_page, name="analytics"),
    path("api/v1/analytics/summary/", apis.SummaryApi.as_view(), name="api-analytics-summary"),
    path(
        "api/v1/analytics/doctors/<int:doctor_id>/",
        apis.DoctorDayApi.as_view(),
        name="api-analytics-doctor",
    ),
    path(
        "api/v1/analytics/slots/<int:slot_id>/", apis.SlotApi.as_view(), name="api-analytics-slot"
    ),
]
