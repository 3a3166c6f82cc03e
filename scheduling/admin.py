from django.contrib import admin

from scheduling.models import Department, Doctor, DoctorDay, Slot

admin.site.register(Department)
admin.site.register(Doctor)
admin.site.register(DoctorDay)
admin.site.register(Slot)
