from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime
from app.org.models import OrgUnit
from app.privacy import EncryptedString
from app.user.models import User


class ApplicantKind(enum.StrEnum):
    natural_person = "natural_person"  # 自然人
    legal_person = "legal_person"  # 法人及其他组织


class ServiceChannel(enum.StrEnum):
    """How the service itself was delivered (not how it was rated)."""

    window = "window"  # 窗口办理
    online = "online"  # 网上办理
    app = "app"  # 移动端
    self_service = "self_service"  # 自助终端
    mail = "mail"  # 邮寄 / 帮办代办


class ServiceItem(Base):
    __tablename__ = "service_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    department_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id", ondelete="RESTRICT"), index=True)

    department: Mapped[OrgUnit] = relationship()


class ServiceCase(Base):
    """One handling of one item for one applicant. The applicant's phone and certificate number are
    encrypted; ``applicant_phone_hash`` lets the same evaluator be recognised without the clear value."""

    __tablename__ = "service_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_no: Mapped[str] = mapped_column(String(64), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id", ondelete="RESTRICT"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id", ondelete="RESTRICT"), index=True)
    window_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id", ondelete="RESTRICT"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    channel: Mapped[ServiceChannel] = mapped_column(
        Enum(ServiceChannel, name="service_channel", native_enum=False, length=16))
    applicant_kind: Mapped[ApplicantKind] = mapped_column(
        Enum(ApplicantKind, name="applicant_kind", native_enum=False, length=16))
    applicant_name: Mapped[str] = mapped_column(EncryptedString())
    applicant_phone: Mapped[str | None] = mapped_column(EncryptedString())
    applicant_cert_no: Mapped[str | None] = mapped_column(EncryptedString())
    applicant_phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    item: Mapped[ServiceItem] = relationship()
    org_unit: Mapped[OrgUnit] = relationship(foreign_keys=[org_unit_id])
    window: Mapped[OrgUnit | None] = relationship(foreign_keys=[window_id])
    staff: Mapped[User | None] = relationship()
