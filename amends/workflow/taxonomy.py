"""The default taxonomy of TAXONOMY.md. Codes are stable: the API, exports, triage and labelled
data use them. Companies may rename, translate, hide or add categories (workflow.Category)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# (code, 中文, English)
DEFAULT_CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("service_attitude", "服务态度", "Service attitude"),
    ("service_quality", "服务质量", "Service quality"),
    ("facility_equipment", "设施设备", "Facilities and equipment"),
    ("hygiene_environment", "卫生环境", "Hygiene and environment"),
    ("class_schedule", "课程安排", "Class schedule"),
    ("coach_staff_conduct", "教练/员工行为", "Coach / staff conduct"),
    ("billing_price", "收费价格", "Billing and price"),
    ("membership_contract", "会员合同", "Membership and contract"),
    ("product_quality", "商品质量", "Product quality"),
    ("safety_security", "安全保卫", "Safety and security"),
    ("privacy_data", "隐私信息", "Privacy and personal data"),
    ("noise", "噪音", "Noise"),
    ("lost_property", "遗失物品", "Lost property"),
    ("booking_reservation", "预订", "Bookings and reservations"),
    ("other", "其他", "Other"),
)


class Severity(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    IMPORTANT = "important", _("Important")
    GENERAL = "general", _("General")


class Channel(models.TextChoices):
    FRONT_DESK = "front_desk", _("Front desk")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    WEB = "web", _("Web form")
    SOCIAL = "social", _("Social media / review site")
    LETTER = "letter", _("Letter")
    APP = "app", _("App / mini-program")
    STAFF = "staff", _("Raised by staff")


class Psychology(models.TextChoices):
    VENT = "vent", _("Wants to vent")
    RESPECT = "respect", _("Wants respect")
    COMPENSATION = "compensation", _("Wants compensation")
    EVADE_RESPONSIBILITY = "evade_responsibility", _("Evading responsibility")
    HOSTILE = "hostile", _("Hostile")
    MIXED = "mixed", _("Mixed")


class Validity(models.TextChoices):
    UNDECIDED = "undecided", _("Undecided")
    VALID = "valid", _("Valid")
    INVALID = "invalid", _("Invalid (unfounded)")
