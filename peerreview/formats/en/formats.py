"""English as written in Europe (British usage): "12 November 2026", "30/11/2026", 24-hour
times ("09:43", so a time at the end of a sentence never gets a second full stop as
"9:43 a.m." did). Finnish and Swedish keep Django's own formats, which are native."""

from django.conf.locale.en_GB.formats import *  # noqa: F403

DATE_FORMAT = "j F Y"  # 12 November 2026
TIME_FORMAT = "H:i"  # 09:43
DATETIME_FORMAT = "j F Y, H:i"  # 12 November 2026, 09:43
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d/m/Y"  # 30/11/2026
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
