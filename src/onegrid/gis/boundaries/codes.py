"""The form of each level's code, and the parent code it implies.

- district: GB/T 2260, six digits: province (its first two), city, county; never ending in 00
  (that would be a city or a province).
- street and community: the 12-digit statistical division code (统计用区划代码): the district's
  six digits, three for the street (乡级), three for the community (村级); a street's last three
  are 000, so its nine significant digits begin each of its communities' codes.
- grid: no national code; as `onegrid city load` generates them, the community's twelve digits
  and three more (350503001001 → 350503001001001)."""

from __future__ import annotations

import re

LEVELS = ("district", "street", "community", "grid")
PARENT_LEVEL = {"district": "city", "street": "district", "community": "street",
                "grid": "community"}
# GB/T 2260 provinces, autonomous regions, municipalities, Taiwan, Hong Kong and Macao
PROVINCES = frozenset({"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34",
                       "35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52",
                       "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"})
_FORMS = {
    "district": (re.compile(r"\d{4}(?!00)\d{2}"), "six digits (GB/T 2260), not ending in 00"),
    "street": (re.compile(r"\d{6}(?!000)\d{3}000"),
               "twelve digits: district, street (not 000), then 000"),
    "community": (re.compile(r"\d{6}(?!000)\d{3}(?!000)\d{3}"),
                  "twelve digits: district, street, community (neither 000)"),
    "grid": (re.compile(r"\d{6}(?!000)\d{3}(?!000)\d{3}(?!000)\d{3}"),
             "fifteen digits: the community's twelve and the grid's three (not 000)"),
}


def form_problem(level: str, code: str) -> str | None:
    """Why ``code`` is not a code of ``level``, or None when it is one."""
    pattern, form = _FORMS[level]
    if not pattern.fullmatch(code):
        return f"{code!r} is not a {level} code: {form}"
    if code[:2] not in PROVINCES:
        return f"{code!r} begins with {code[:2]}, which is no GB/T 2260 province"
    return None


def implied_parent(level: str, code: str) -> str:
    """The parent's code that a well-formed ``code`` of ``level`` implies."""
    return {"district": code[:4] + "00", "street": code[:6], "community": code[:9] + "000",
            "grid": code[:12]}[level]
