"""Every model of the application, in dependency order (for migrations and the schema test)."""
from .accounts.models import User
from .complaints.models import (Attachment, Complaint, ComplaintCounter, ComplaintLink, Customer,
                                 Note, Plan)
from .events import Event
from .sla.models import Batch, Deadline, NetworkSetting, Pause, TenantSetting
from .notify.models import OutboxMessage
from .tenancy.models import Category, Department, HqMembership, Membership, Network, Role, Tenant
from .throttle import Throttle

ALL_MODELS = [User, Network, Tenant, Role, Department, Category, Membership, HqMembership,
              Event, OutboxMessage, Throttle, Customer, Complaint, ComplaintCounter, Plan, Note,
              Attachment, ComplaintLink, Deadline, Pause, TenantSetting, NetworkSetting,
              Batch]
