from django.apps import AppConfig


class PhonelistsConfig(AppConfig):
    name = "phonelists"
    verbose_name = "Phone lists"
