"""The REST API (/api/v1/, django-ninja): integrations act through the same action catalogue
and services as the console, authenticated by API keys with scopes."""
