"""The controlled vocabularies the catalogue uses: IRIs of the EU Publications Office's
authority tables (data themes, frequencies, file types, languages, access rights,
availability), the dcat-ap.de licence list and political geocoding, with the German labels the
portal shows. A code outside these tables cannot be released (`check_*`)."""

from __future__ import annotations

from dataclasses import dataclass

from smartcity.core.errors import InvalidInput

EU = "http://publications.europa.eu/resource/authority"
THEME = f"{EU}/data-theme/"
FREQUENCY = f"{EU}/frequency/"
FILE_TYPE = f"{EU}/file-type/"
LANGUAGE = f"{EU}/language/"
ACCESS_RIGHT = f"{EU}/access-right/"
AVAILABILITY = f"{EU}/planned-availability/"
HVD = "http://data.europa.eu/bna/"
# The Commission Implementing Regulation (EU) 2023/138 on high-value datasets.
HVD_LEGISLATION = "http://data.europa.eu/eli/reg_impl/2023/138/oj"
MEDIA_TYPE = "https://www.iana.org/assignments/media-types/"
LICENCES = "http://dcat-ap.de/def/licenses/"
GEOCODING = "http://dcat-ap.de/def/politicalGeocoding/"
CONTRIBUTORS = "http://dcat-ap.de/def/contributors/"

# EU data themes: German label, English label.
THEMES: dict[str, tuple[str, str]] = {
    "AGRI": ("Landwirtschaft, Fischerei, Forstwirtschaft und Nahrungsmittel", "Agriculture"),
    "ECON": ("Wirtschaft und Finanzen", "Economy and finance"),
    "EDUC": ("Bildung, Kultur und Sport", "Education, culture and sport"),
    "ENER": ("Energie", "Energy"),
    "ENVI": ("Umwelt", "Environment"),
    "GOVE": ("Regierung und öffentlicher Sektor", "Government and public sector"),
    "HEAL": ("Gesundheit", "Health"),
    "INTR": ("Internationale Themen", "International issues"),
    "JUST": ("Justiz, Rechtssystem und öffentliche Sicherheit", "Justice and public safety"),
    "REGI": ("Regionen und Städte", "Regions and cities"),
    "SOCI": ("Bevölkerung und Gesellschaft", "Population and society"),
    "TECH": ("Wissenschaft und Technologie", "Science and technology"),
    "TRAN": ("Verkehr", "Transport"),
}
FREQUENCIES: dict[str, tuple[str, str]] = {
    "CONT": ("kontinuierlich", "continuous"),
    "UPDATE_CONT": ("ständige Aktualisierung", "continuously updated"),
    "HOURLY": ("stündlich", "hourly"),
    "DAILY": ("täglich", "daily"),
    "WEEKLY": ("wöchentlich", "weekly"),
    "MONTHLY": ("monatlich", "monthly"),
    "QUARTERLY": ("vierteljährlich", "quarterly"),
    "ANNUAL": ("jährlich", "annual"),
    "IRREG": ("unregelmäßig", "irregular"),
    "NEVER": ("nie", "never"),
}


@dataclass(frozen=True)
class FileType:
    code: str
    media_type: str
    extension: str


FILE_TYPES: dict[str, FileType] = {
    "CSV": FileType("CSV", "text/csv", ".csv"),
    "JSON": FileType("JSON", "application/json", ".json"),
    "GEOJSON": FileType("GEOJSON", "application/geo+json", ".geojson"),
    "PDF": FileType("PDF", "application/pdf", ".pdf"),
    "XLSX": FileType(
        "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"
    ),
    "HTML": FileType("HTML", "text/html", ".html"),
}
# The high-value-dataset categories the platform's data falls under.
HVD_CATEGORIES: dict[str, tuple[str, str]] = {
    "c_b79e35eb": ("Mobilität", "Mobility"),
    "c_dd313021": ("Erdbeobachtung und Umwelt", "Earth observation and environment"),
    "c_164e0bf5": ("Meteorologie", "Meteorological"),
    "c_e1da4e07": ("Statistik", "Statistics"),
}


@dataclass(frozen=True)
class Licence:
    key: str
    name: str
    # What it allows, in plain German (the dataset page shows it).
    plain: str

    @property
    def iri(self) -> str:
        return LICENCES + self.key


# Open licences of the dcat-ap.de list that a municipality's own data is released under.
LICENCE_LIST: dict[str, Licence] = {
    lic.key: lic
    for lic in (
        Licence(
            "dl-by-de/2.0",
            "Datenlizenz Deutschland – Namensnennung – Version 2.0",
            "Sie dürfen die Daten frei nutzen, verändern und weitergeben, auch gewerblich. "
            "Nennen Sie dabei die Stadt als Quelle.",
        ),
        Licence(
            "dl-zero-de/2.0",
            "Datenlizenz Deutschland – Zero – Version 2.0",
            "Sie dürfen die Daten ohne jede Einschränkung nutzen, verändern und weitergeben. "
            "Eine Quellenangabe ist nicht nötig.",
        ),
        Licence(
            "cc-by/4.0",
            "Creative Commons Namensnennung – 4.0 International (CC BY 4.0)",
            "Sie dürfen die Daten frei nutzen, verändern und weitergeben, auch gewerblich, "
            "wenn Sie die Quelle und die Lizenz nennen.",
        ),
        Licence(
            "cc-zero",
            "Creative Commons CC Zero License (cc-zero)",
            "Die Daten sind gemeinfrei: Sie dürfen sie ohne jede Bedingung nutzen.",
        ),
        Licence(
            "officialWork",
            "Amtliches Werk, lizenzfrei nach §5 Abs. 1 UrhG",
            "Amtliche Werke sind nicht urheberrechtlich geschützt: Sie dürfen sie frei nutzen.",
        ),
    )
}
DEFAULT_LICENCE = "dl-by-de/2.0"


def licence_of(iri: str) -> Licence | None:
    return LICENCE_LIST.get(iri.removeprefix(LICENCES)) if iri.startswith(LICENCES) else None


def check_themes(codes: list[str] | tuple[str, ...]) -> list[str]:
    unknown = [c for c in codes if c not in THEMES]
    if unknown or not codes:
        raise InvalidInput(f"Unknown data theme {unknown or '(none)'}", errors={"themes": "?"})
    return list(codes)


def check_frequency(code: str) -> str:
    if code not in FREQUENCIES:
        raise InvalidInput(f"Unknown update frequency {code!r}", errors={"frequency": "?"})
    return code


def check_file_type(code: str) -> FileType:
    if code not in FILE_TYPES:
        raise InvalidInput(f"Unknown file type {code!r}", errors={"format": "?"})
    return FILE_TYPES[code]


def check_licence(iri: str) -> str:
    if licence_of(iri) is None:
        raise InvalidInput(f"Not a licence of the dcat-ap.de list: {iri}", errors={"licence": "?"})
    return iri


def municipality_key(ags: str) -> str:
    """The political geocoding URI of a municipality, from its Amtlicher Gemeindeschlüssel."""
    return f"{GEOCODING}municipalityKey/{ags}"


MUNICIPALITY_LEVEL = f"{GEOCODING}Level/municipality"

# The Land portals of the dcat-ap.de contributor list that pass their municipalities'
# catalogues on to GovData, by the Land's two digits of the AGS (Saarland and Thuringia have
# no entry of their own).
LAND_CONTRIBUTORS = {
    "01": "schleswigHolstein",
    "02": "transparenzportalHamburg",
    "03": "landNiedersachsen",
    "04": "transparenzportalBremen",
    "05": "openNRW",
    "06": "hessen",
    "07": "openGovernmentDataPortalRheinlandPfalz",
    "08": "datenBW",
    "09": "openDataBayern",
    "11": "berlinOpenData",
    "12": "openDataBrandenburg",
    "13": "mecklenburgVorpommern",
    "14": "freistaatSachsen",
    "15": "landSachsenAnhalt",
}


def land_contributor(ags: str) -> str:
    """The contributor ID of the municipality's Land portal, or "" where there is none."""
    found = LAND_CONTRIBUTORS.get(ags[:2])
    return CONTRIBUTORS + found if found else ""
