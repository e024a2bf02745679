"""Every model, imported once so the metadata (and Alembic's autogenerate) sees all tables."""
from app.audit.models import AuditEvent  # noqa: F401
from app.case.models import (
    BadReviewCase,  # noqa: F401
    CaseTimer,  # noqa: F401,E402
)
from app.evaluation.models import Evaluation  # noqa: F401
from app.evaluator.models import EvaluatorReply  # noqa: F401,E402
from app.imports.models import ImportRowError, ImportRun  # noqa: F401,E402
from app.notification.models import (
    Notification,  # noqa: F401,E402
    NotificationDelivery,  # noqa: F401,E402
)
from app.org.models import OrgUnit  # noqa: F401
from app.outreach.models import EvaluationReminder  # noqa: F401,E402
from app.policy.models import CalendarYear  # noqa: F401,E402
from app.process_model.models import ProcessModel  # noqa: F401,E402
from app.service_case.models import ServiceCase, ServiceItem  # noqa: F401
from app.stats.models import StatsDaily, StatsSnapshot  # noqa: F401,E402
from app.task.models import CaseTask  # noqa: F401,E402
from app.user.models import ApiToken, User, UserRole  # noqa: F401
