"""Every model of the application, in dependency order (for migrations and the schema test)."""
from .accounts.models import User
from .complaints.models import (Attachment, Complaint, ComplaintCounter, ComplaintLink, Customer,
                                 Note, Plan)
from .events import Event
from .hq.models import ReportReview, Takeover, WorkOrder
from .sla.models import Batch, ClusterComplainant, ClusterEntry, Deadline, NetworkSetting, Pause, TenantSetting
from .status.models import CustomerAction
from .notify.models import OutboxMessage
from .revisits.models import ChecklistItem, ChecklistTemplate, RevisitAnswer, RevisitTask
from .reports.models import MonthlyFigures, Report
from .cases.models import Case, CaseGram
from .approvals.models import Approval, Delegation
from .supervision.models import EarlyWarning, Milestone, ProgressReport, SupervisionOrder
from .crisis.models import CrisisFile, CrisisMember, CrisisPlan, CrisisStatement, HqReport
from .support.models import PartLine, SupportRequest
from .tenancy.models import Category, Department, HqMembership, Membership, Network, Role, Tenant
from .throttle import Throttle

ALL_MODELS = [User, Network, Tenant, Role, Department, Category, Membership, HqMembership,
              Event, OutboxMessage, Throttle, Customer, Complaint, ComplaintCounter, Plan, Note,
              Attachment, ComplaintLink, Deadline, Pause, TenantSetting, NetworkSetting,
              Batch, ClusterEntry, ClusterComplainant, CustomerAction,
              ChecklistTemplate, ChecklistItem, RevisitTask, RevisitAnswer, WorkOrder, ReportReview, Takeover,
              Report, MonthlyFigures, Case, CaseGram,
              Approval, Delegation, SupervisionOrder, Milestone, ProgressReport, EarlyWarning,
              CrisisFile, CrisisMember, CrisisPlan, CrisisStatement, HqReport, SupportRequest, PartLine]
