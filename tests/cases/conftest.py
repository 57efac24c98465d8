from tests.citizen.conftest import citizen, dog_tax, region_admin

__all__ = ["citizen", "dog_tax", "region_admin"]
