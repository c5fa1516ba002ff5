"""Models with ``name_kk`` / ``name_ru`` / ``name_en`` columns pick the name for a language."""


class Localized:
    def name_in(self, language: str) -> str:
        return getattr(self, f"name_{language}", None) or self.name_ru

    def description_in(self, language: str) -> str:
        return getattr(self, f"description_{language}", None) or getattr(self, "description_ru", "")
