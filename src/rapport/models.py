"""Every table of Rapport, imported in one place for Alembic and the metadata."""

from rapport.appsettings.models import AppSetting
from rapport.audit.models import AuditEntry
from rapport.automation.models import AutomationRule, AutomationRun
from rapport.campaigns.models import Campaign
from rapport.consents.models import Consent
from rapport.customers.models import Customer, Tag, customer_tags
from rapport.customfields.models import CustomFieldDefinition
from rapport.db import Base
from rapport.deals.models import Deal, DealItem, DealStageChange, Pipeline, Stage
from rapport.events.models import Event
from rapport.imports.models import ImportJob, ImportRowError
from rapport.interactions.models import Interaction
from rapport.orders.models import Order, OrderItem
from rapport.products.models import Product, ProductCategory
from rapport.quotas.models import Quota
from rapport.savedviews.models import SavedView
from rapport.scores.models import CustomerScore, ScoringRun
from rapport.segments.models import Segment, SegmentMembership
from rapport.surveys.models import Survey, SurveyResponse
from rapport.tasks.models import Task
from rapport.tickets.models import Ticket
from rapport.users.models import ApiToken, Team, User

metadata = Base.metadata

__all__ = [
    "ApiToken",
    "AppSetting",
    "AuditEntry",
    "AutomationRule",
    "AutomationRun",
    "Campaign",
    "Consent",
    "CustomFieldDefinition",
    "Customer",
    "CustomerScore",
    "Deal",
    "DealItem",
    "DealStageChange",
    "Event",
    "ImportJob",
    "ImportRowError",
    "Interaction",
    "Order",
    "OrderItem",
    "Pipeline",
    "Product",
    "ProductCategory",
    "Quota",
    "SavedView",
    "ScoringRun",
    "Segment",
    "SegmentMembership",
    "Stage",
    "Survey",
    "SurveyResponse",
    "Tag",
    "Task",
    "Team",
    "Ticket",
    "User",
    "customer_tags",
    "metadata",
]
