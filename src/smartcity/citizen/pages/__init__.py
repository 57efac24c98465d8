"""The citizen portal's pages of citizen services: the service list, the application form step
by step, save and resume, and the status of an application by its tracking code."""

from smartcity.citizen.pages.applications import router

__all__ = ["router"]
