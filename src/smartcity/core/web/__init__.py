"""The page toolkit every module builds its HTML pages with: rendering (Jinja2 with the
modules' template directories), languages (gettext catalogues of every module), the browser
state (language, CSRF), the page dependencies and the frame of a page with the navigation the
modules declare (`layout`). The web shell (`smartcity.web`) adds the start page, login, the
back office's overview and administration, the maps' endpoints and the cockpit on top."""
