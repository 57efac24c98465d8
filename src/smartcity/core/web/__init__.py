"""The page toolkit every module builds its HTML pages with: rendering (Jinja2 with the
modules' template directories), languages (gettext catalogues of every module), the browser
state (language, CSRF) and the page dependencies. The web shell (`smartcity.web`) adds the
start page, login, navigation and cockpit on top."""
