from django.contrib import admin

from tokens.models import Patient, Token, TokenEvent

admin.site.register(Patient)
admin.site.register(Token)
admin.site.register(TokenEvent)
