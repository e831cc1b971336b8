from django.contrib import admin

admin.site.site_header = "Dialer Studio administration"
admin.site.site_title = "Dialer Studio admin"
