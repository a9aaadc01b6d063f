# The part of chinese-calendar OneGrid uses (the package ships no types): the State Council's
# holidays and adjusted working days, each a date mapped to the holiday's name.
from datetime import date

holidays: dict[date, str]
workdays: dict[date, str]
