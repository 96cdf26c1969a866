"""People and places: users, cities, memberships, evaluator profiles and declared conflicts."""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
import zoneinfo

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_otp.models import Device, ThrottlingMixin, TimestampMixin

COUNTRY_CHOICES = [
    ("AT", _("Austria")),
    ("BE", _("Belgium")),
    ("BG", _("Bulgaria")),
    ("HR", _("Croatia")),
    ("CY", _("Cyprus")),
    ("CZ", _("Czechia")),
    ("DK", _("Denmark")),
    ("EE", _("Estonia")),
    ("FI", _("Finland")),
    ("FR", _("France")),
    ("DE", _("Germany")),
    ("GR", _("Greece")),
    ("HU", _("Hungary")),
    ("IE", _("Ireland")),
    ("IT", _("Italy")),
    ("LV", _("Latvia")),
    ("LT", _("Lithuania")),
    ("LU", _("Luxembourg")),
    ("MT", _("Malta")),
    ("NL", _("Netherlands")),
    ("PL", _("Poland")),
    ("PT", _("Portugal")),
    ("RO", _("Romania")),
    ("SK", _("Slovakia")),
    ("SI", _("Slovenia")),
    ("ES", _("Spain")),
    ("SE", _("Sweden")),
    ("NO", _("Norway")),
    ("IS", _("Iceland")),
]
COUNTRY_NAMES = dict(COUNTRY_CHOICES)


# The language a city's report is written in when its working languages name none the platform
# has (only the platform's languages are listed).
COUNTRY_LANGUAGES = {"FI": "fi", "SE": "sv", "AX": "sv"}

# The time zone a city's meetings are in when nobody chose one: the capital's zone.
COUNTRY_TIMEZONES = {
    "AT": "Europe/Vienna",
    "BE": "Europe/Brussels",
    "BG": "Europe/Sofia",
    "HR": "Europe/Zagreb",
    "CY": "Asia/Nicosia",
    "CZ": "Europe/Prague",
    "DK": "Europe/Copenhagen",
    "EE": "Europe/Tallinn",
    "FI": "Europe/Helsinki",
    "FR": "Europe/Paris",
    "DE": "Europe/Berlin",
    "GR": "Europe/Athens",
    "HU": "Europe/Budapest",
    "IE": "Europe/Dublin",
    "IT": "Europe/Rome",
    "LV": "Europe/Riga",
    "LT": "Europe/Vilnius",
    "LU": "Europe/Luxembourg",
    "MT": "Europe/Malta",
    "NL": "Europe/Amsterdam",
    "PL": "Europe/Warsaw",
    "PT": "Europe/Lisbon",
    "RO": "Europe/Bucharest",
    "SK": "Europe/Bratislava",
    "SI": "Europe/Ljubljana",
    "ES": "Europe/Madrid",
    "SE": "Europe/Stockholm",
    "NO": "Europe/Oslo",
    "IS": "Atlantic/Reykjavik",
}
DEFAULT_TIMEZONE = "Europe/Brussels"


@functools.cache
def _known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    """An IANA time zone name such as Europe/Lisbon (what calendars understand)."""
    if value and value not in _known_timezones():
        raise ValidationError(
            _("“%(value)s” is not a time zone name. Use an IANA name such as Europe/Lisbon."),
            params={"value": value},
            code="invalid_timezone",
        )


class UserManager(BaseUserManager["User"]):
    """Users log in with their e-mail address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("is_coordinator", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person. Roles come from flags and relations, and one person may hold several:
    coordinator (flag), host-city member (a Membership), evaluator (an EvaluatorProfile)."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    is_coordinator = models.BooleanField(
        _("coordinator"),
        default=False,
        help_text=_("Coordinators belong to the network's secretariat and see every round."),
    )
    # Part of the session hash: a new value ends every session of this person ("log out everywhere").
    session_nonce = models.CharField(max_length=32, blank=True, default="", editable=False)
    # Whether the person has a confirmed authenticator app (kept by cities.mfa), read on every request.
    mfa_enabled = models.BooleanField(_("two-factor authentication"), default=False, editable=False)
    # Set when the person was erased at their request (audit.erasure): the name is then a
    # pseudonym, the e-mail address a placeholder, and the account can no longer log in.
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, editable=False)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name"]
        # The coordinators (a handful among every user of the network), asked for by each
        # notification to the secretariat and each round the repeat-round job opens.
        indexes = [
            models.Index(
                fields=["full_name"], condition=models.Q(is_coordinator=True), name="user_coordinators"
            ),
            # Everyone in name order (the back office's list of people; docs/performance.md).
            models.Index(fields=["full_name"], name="user_full_name"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def _get_session_auth_hash(self, secret=None) -> str:
        """Django's session hash (an HMAC of the password), with the session nonce added:
        sessions end when the password changes or when the person logs out everywhere.
        With no nonce set it equals Django's own hash, so existing sessions stay valid."""
        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        return salted_hmac(
            key_salt, self.password + self.session_nonce, secret=secret, algorithm="sha256"
        ).hexdigest()


class CityLogo(models.Model):
    """A city's logo for the report's cover, in its own table so that loading a city never
    loads the image. Checked by `cities.logos.validate_logo`; set by coordinators in the back
    office; embedded in the report as a data: URI (no file under MEDIA_ROOT, no download view)."""

    city = models.OneToOneField("City", on_delete=models.CASCADE, related_name="logo", verbose_name=_("city"))
    image = models.BinaryField(_("image"))
    content_type = models.CharField(_("type"), max_length=20)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now=True)
    uploaded_by = models.ForeignKey(
        "User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("city logo")
        verbose_name_plural = _("city logos")

    def __str__(self) -> str:
        return str(self.city_id)

    @property
    def data_uri(self) -> str:
        from .logos import data_uri

        return data_uri(bytes(self.image), self.content_type)


class JointProcurementUnit(models.Model):
    """A purchasing body shared by several cities; sharing one is a conflict to warn about."""

    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("joint procurement unit")
        verbose_name_plural = _("joint procurement units")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class City(models.Model):
    name = models.CharField(_("name"), max_length=120)
    country = models.CharField(_("country"), max_length=2, choices=COUNTRY_CHOICES)
    region = models.CharField(_("region"), max_length=120, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    procurement_unit = models.CharField(_("procurement unit"), max_length=200)
    languages = models.CharField(
        _("working languages"), max_length=100, blank=True, help_text=_("For example: fi, sv, en")
    )
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text=_(
            "IANA name, for example Europe/Lisbon. Assessment-day times and calendar files use it. "
            "Leave empty to use the country's time zone."
        ),
    )
    annual_procurement_spend_eur = models.DecimalField(
        _("annual procurement spend (EUR)"), max_digits=16, decimal_places=0, null=True, blank=True
    )
    joint_procurement_units = models.ManyToManyField(
        JointProcurementUnit, blank=True, related_name="cities", verbose_name=_("joint procurement units")
    )
    # For the API's incremental sync (?updated_since=).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name", "country"], name="city_unique_name_country")]
        # The country filters of the round list and the library (docs/performance.md).
        indexes = [models.Index(fields=["country", "name"], name="city_country_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.country})"

    def save(self, *args, **kwargs) -> None:
        if not self.timezone:
            self.timezone = COUNTRY_TIMEZONES.get(self.country, DEFAULT_TIMEZONE)
        super().save(*args, **kwargs)

    def get_country_display(self) -> str:
        """The country's name, as Django's own method gives it. Django's builds a dict of every
        choice at each call, hashing (so translating) all the countries' names: a list of twenty
        reports made 600 translations."""
        return str(COUNTRY_NAMES.get(self.country, self.country))

    @property
    def report_language(self) -> str:
        """The language the city's reports are written in by default: the first of its working
        languages the platform has, else its country's, else the platform's default."""
        available = [code for code, _name in settings.LANGUAGES]
        for code in (part.strip().lower() for part in self.languages.replace(";", ",").split(",")):
            if code in available:
                return code
        by_country = COUNTRY_LANGUAGES.get(self.country)
        return by_country if by_country in available else settings.LANGUAGE_CODE

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        """The city's time zone: where its assessment days take place."""
        name = self.timezone or COUNTRY_TIMEZONES.get(self.country, DEFAULT_TIMEZONE)
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo(DEFAULT_TIMEZONE)


class Membership(models.Model):
    """A person working in a city's procurement unit: they act for the city as host."""

    class Role(models.TextChoices):
        LEAD = "lead", _("procurement lead")
        MEMBER = "member", pgettext_lazy("membership role", "member")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    city = models.ForeignKey(
        City, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("city")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        verbose_name = _("city membership")
        verbose_name_plural = _("city memberships")
        constraints = [models.UniqueConstraint(fields=["user", "city"], name="membership_unique_user_city")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.city}"


class EvaluatorProfile(models.Model):
    """Makes a person available as a peer evaluator; the home city drives the conflict rules."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="evaluator_profile", verbose_name=_("user")
    )
    home_city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="evaluators", verbose_name=_("home city")
    )
    expertise = models.CharField(
        _("expertise themes"),
        max_length=200,
        blank=True,
        help_text=_("Codes of the framework's themes, for example: HOW, RESULT"),
    )
    languages = models.CharField(
        _("working languages"),
        max_length=100,
        blank=True,
        help_text=_("Language codes, for example: fi, en, sv"),
    )
    # Availability: matching leaves out no one, but ranks people who are away or full last.
    available = models.BooleanField(
        _("takes invitations"),
        default=True,
        help_text=_("Untick when you cannot review for a while; coordinators see it when they invite."),
    )
    unavailable_until = models.DateField(_("away until"), null=True, blank=True)
    max_rounds_per_year = models.PositiveSmallIntegerField(
        _("rounds per year at most"),
        default=2,
        help_text=_("How many panels you can take in twelve months."),
    )
    availability_note = models.CharField(_("note on availability"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("evaluator profile")
        verbose_name_plural = _("evaluator profiles")

    def __str__(self) -> str:
        return f"{self.user} ({self.home_city.name})"

    @property
    def expertise_codes(self) -> list[str]:
        return split_codes(self.expertise, upper=True)

    @property
    def language_codes(self) -> list[str]:
        return split_codes(self.languages)


def split_codes(value: str, *, upper: bool = False) -> list[str]:
    """ "HOW, result; WHO" → ["HOW", "RESULT", "WHO"]: the codes of a comma-separated field."""
    codes = [code for code in re.split(r"[\s,;/]+", value or "") if code]
    codes = [code.upper() if upper else code.lower() for code in codes]
    return list(dict.fromkeys(codes))


class DeclaredConflict(models.Model):
    """A conflict of interest an evaluator declared towards a city."""

    evaluator = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="declared_conflicts", verbose_name=_("evaluator")
    )
    city = models.ForeignKey(
        City, on_delete=models.CASCADE, related_name="declared_conflicts", verbose_name=_("city")
    )
    reason = models.CharField(_("reason"), max_length=300)
    declared_at = models.DateTimeField(_("declared at"), auto_now_add=True)

    class Meta:
        verbose_name = _("declared conflict")
        verbose_name_plural = _("declared conflicts")

    def __str__(self) -> str:
        return f"{self.evaluator} ↔ {self.city}: {self.reason}"


class RecoveryCodeDevice(TimestampMixin, ThrottlingMixin, Device):
    """A person's single-use recovery codes, as a django-otp device (so django-otp's
    `verify_token` locks it while checking and `otp_login` marks the session verified).

    Unlike django-otp's static tokens, which it keeps in plain text, the codes are kept only as
    salted SHA-256 digests (OWASP ASVS 2.6.2: look-up secrets under 112 bits are salted and
    hashed): a copy of the database does not hold a usable code. The codes themselves are
    shown once, when made (cities.mfa.new_recovery_codes)."""

    class Meta:
        verbose_name = _("recovery codes")
        verbose_name_plural = _("recovery codes")

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1)

    def add_code(self, code: str) -> RecoveryCode:
        salt = secrets.token_hex(16)
        return RecoveryCode.objects.create(device=self, salt=salt, digest=RecoveryCode.digest_of(salt, code))

    def verify_token(self, token) -> bool:
        """Accept an unused code once (its row is deleted); wrong codes count towards the throttle."""
        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        match = None
        for code in self.codes.all():  # at most MFA_RECOVERY_CODES rows; every one is compared
            if code.matches(str(token)):
                match = code
        if match is None:
            self.throttle_increment()
            return False
        match.delete()
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True


class RecoveryCode(models.Model):
    """One unused recovery code: a random salt and SHA-256(salt + code), never the code."""

    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    salt = models.CharField(max_length=32)
    digest = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self) -> str:
        return f"{self.device_id}: {self.digest[:8]}…"

    @staticmethod
    def digest_of(salt: str, code: str) -> str:
        return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()

    def matches(self, code: str) -> bool:
        return hmac.compare_digest(self.digest, self.digest_of(self.salt, code))
