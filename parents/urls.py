app_name = "parents"
urlpatterns: list = []
