"""The SFTP reports' columns: CSV header, field name, type, and the JSON schemas built from them.

Every column Ordergroove's help center lists for a report is a typed field here
(``DOCUMENTED_*_COLUMNS``, with the page cited); the others are the developer
guide's example header and the REST object's fields, as exports may carry them. Every column is
optional except the key: a column missing from a file is logged and left null,
and a column the tap does not know is kept, as text, under ``extra_columns``
(and logged), so nothing in a file is lost. Headers are matched after
``normalise_header`` ("Order Item ID" and "OrderItemID" both become
``order_item_id``). Column types:

- ``date``: ``MM/DD/YYYY`` (or ``YYYY-MM-DD``) -> ISO date;
- ``datetime``: ``MM/DD/YYYY HH:MM[:SS]`` or ``YYYY-MM-DD HH:MM:SS`` in Ordergroove's
  zone (setting ``timezone``) -> UTC ISO-8601 with offset;
- ``compact_datetime``: ``MMDDYYYYHHMMSS`` (14 digits, the CRM subscription file's
  form), same zone -> UTC;
- ``decimal``: exact (``Decimal``, a JSON number; NUMERIC in Postgres);
- an empty cell is null for every type (CSV cannot tell the two apart).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from singer_sdk import typing as th

STRING, DATE, DATETIME, COMPACT_DATETIME, DECIMAL, INTEGER, BOOLEAN = (
    "string",
    "date",
    "datetime",
    "compact_datetime",  # MMDDYYYYHHMMSS, Central (the CRM subscription file)
    "decimal",
    "integer",
    "boolean",
)
_JSON_TYPES: dict[str, type[th.JSONTypeHelper]] = {
    STRING: th.StringType,
    DATE: th.DateType,
    DATETIME: th.DateTimeType,
    COMPACT_DATETIME: th.DateTimeType,
    DECIMAL: th.DecimalType,
    INTEGER: th.IntegerType,
    BOOLEAN: th.BooleanType,
}

#: Record fields every SFTP report row carries, so a row can be traced to its file.
SOURCE_FILE = "_sdc_source_file"
SOURCE_LINE = "_sdc_source_line"
SOURCE_COMPLETED_AT = "_sdc_source_file_completed_at"
EXTRA_COLUMNS = "extra_columns"

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalise_header(header: str) -> str:
    """snake_case field name: 'Order Item ID', 'OrderItemID', 'order-item-id' -> order_item_id."""
    spaced = _CAMEL.sub("_", header.strip().lstrip("\ufeff"))
    return _NON_WORD.sub("_", spaced.lower()).strip("_")


@dataclass(frozen=True)
class Column:
    """One CSV column: the header Ordergroove writes, the field it lands in, its type.

    ``aliases`` are other headers for the same column (an earlier spelling the tap
    expected, or the short form another help-center page uses), so a file written
    either way fills the same typed field instead of ``extra_columns``.
    """

    header: str
    kind: str = STRING
    aliases: tuple[str, ...] = ()

    @property
    def field(self) -> str:
        """The record field (snake_case of the header)."""
        return normalise_header(self.header)


@dataclass(frozen=True)
class Report:
    """One export: its stream name, key column and columns in Ordergroove's order."""

    stream: str
    key: str
    columns: tuple[Column, ...]
    description: str

    @property
    def fields(self) -> dict[str, Column]:
        """Field name -> column."""
        return {column.field: column for column in self.columns}

    @property
    def lookup(self) -> dict[str, str]:
        """Normalised header (the column's own or an alias) -> field name."""
        found = {column.field: column.field for column in self.columns}
        for column in self.columns:
            for alias in column.aliases:
                found[normalise_header(alias)] = column.field
        return found

    def schema(self) -> dict:
        """The stream's JSON schema: the columns, ``extra_columns``, then the source fields."""
        properties = [
            th.Property(
                column.field,
                _JSON_TYPES[column.kind],
                required=column.field == self.key,
                description=f"CSV column '{column.header}'",
            )
            for column in self.columns
        ]
        properties += [
            th.Property(
                EXTRA_COLUMNS,
                th.ObjectType(additional_properties=th.StringType),
                description="Columns the tap does not know yet, by snake_case name, as text.",
            ),
            th.Property(SOURCE_FILE, th.StringType, description="File the row was read from."),
            th.Property(
                SOURCE_LINE, th.IntegerType, description="Line of the row in that file (header: 1)."
            ),
            th.Property(
                SOURCE_COMPLETED_AT,
                th.DateTimeType,
                description="Report completion time from the file name, UTC (the bookmark).",
            ),
        ]
        return th.PropertiesList(*properties).to_dict()


#: Columns Ordergroove's help center lists for the order report, with its types
#: (https://help.ordergroove.com/hc/en-us/articles/360050746254-Order-Report).
#: "OG Order ID" / "OG Subscription ID" are the names the Order Level Reports page uses.
DOCUMENTED_ORDER_COLUMNS = (
    Column("Merchant"),
    Column("Ordergroove User ID", INTEGER),
    Column("Merchant User ID"),
    Column("Place Date", DATE),
    Column("Ordergroove Order ID", INTEGER, aliases=("OG Order ID",)),
    Column("Ordergroove Subscription ID", aliases=("OG Subscription ID",)),
    Column("Email Address"),
    Column("First Name"),
    Column("Last Name"),
    Column("Product"),
    Column("External Product ID"),
    Column("SKU"),
    Column("Quantity", INTEGER),
    Column("Price", DECIMAL),
    Column("Order Subtotal", DECIMAL, aliases=("Order Sub Total",)),
    Column("Order Status"),
    Column("Merchant Order ID"),
    Column("Rejected Error Code"),  # a code, not a quantity: kept as written
)

ORDER_REPORT = Report(
    stream="order_report",
    key="order_item_id",
    description="Order report export: one row per order item.",
    columns=(
        Column("Order Item ID"),
        *DOCUMENTED_ORDER_COLUMNS,
        # The developer guide's example header and the REST order item's fields:
        Column("Order ID"),
        Column("Order Merchant ID"),
        Column("Customer ID"),
        Column("Subscription ID"),
        Column("Offer ID"),
        Column("Product ID"),
        Column("Merchant Product ID"),
        Column("Product Name"),
        Column("Extra Cost", DECIMAL),
        Column("Total Price", DECIMAL),
        Column("One Time", BOOLEAN),
        Column("Order Tax Total", DECIMAL),
        Column("Order Shipping Total", DECIMAL),
        Column("Order Discount Total", DECIMAL),
        Column("Order Total", DECIMAL),
        Column("Currency Code"),
        Column("Cancelled", DATETIME),
        Column("Created", DATETIME),
        Column("Updated", DATETIME),
    ),
)

#: Columns Ordergroove's help center lists for the subscription report
#: (https://help.ordergroove.com/hc/en-us/articles/360050746374-Automating-Subscription-Reports);
#: "Public Subscription ID" is the column the developer guide joins the CRM subscription
#: file on (https://developer.ordergroove.com/docs/via-reports).
DOCUMENTED_SUBSCRIPTION_COLUMNS = (
    Column("Merchant"),
    Column("Ordergroove User ID", INTEGER),
    Column("Merchant User ID"),
    Column("Create Date", DATE),
    Column("Create Time", DATETIME),  # MM/DD/YYYY HH:MM:SS, Central
    Column("Start Date", DATE),
    Column("Customer Status"),
    Column("Public Subscription ID"),
    Column("Subscription Status"),
    Column("Cancel Date", DATE),
    Column("Offer ID"),
    Column("Merchant Order ID"),
)

SUBSCRIPTION_REPORT = Report(
    stream="subscription_report",
    key="subscription_id",
    description="Subscription report export: one row per subscription.",
    columns=(
        Column("Subscription ID"),
        *DOCUMENTED_SUBSCRIPTION_COLUMNS,
        # The REST subscription's fields:
        Column("Customer ID"),
        Column("Merchant Product ID"),
        Column("Product Name"),
        Column("Quantity", INTEGER),
        Column("Price", DECIMAL),
        Column("Frequency"),
        Column("Frequency Days", INTEGER),
        Column("Next Order Date", DATE),
        Column("Cancel Reason"),
        Column("Cancel Reason Code"),
        Column("Currency Code"),
        Column("Created", DATETIME),
        Column("Updated", DATETIME),
    ),
)

#: The CRM subscription file: a daily delta of every subscription that changed (product
#: swap, quantity, frequency, status), all columns documented on
#: https://help.ordergroove.com/hc/en-us/articles/360050745714-CRM-Subscription-File
#: ``og_subscription_id`` is the subscription report's "Public Subscription ID".
CRM_SUBSCRIPTION_REPORT = Report(
    stream="crm_subscription_report",
    key="og_subscription_id",
    description="CRM subscription file: one row per subscription changed that day.",
    columns=(
        Column("og_subscription_id"),
        Column("customer_id", INTEGER),
        Column("customer_email"),
        Column("subscription_create_date", COMPACT_DATETIME),
        Column("merchant order ID"),
        Column("external product ID"),
        Column("SKU"),
        Column("quantity", INTEGER),
        Column("frequency", INTEGER),  # days
        Column("subscription_status", INTEGER),  # 1 = active, 0 = inactive
        Column("next_order_date", COMPACT_DATETIME),
    ),
)

REPORTS: tuple[Report, ...] = (ORDER_REPORT, SUBSCRIPTION_REPORT, CRM_SUBSCRIPTION_REPORT)

REJECTED_ROWS_STREAM = "sftp_rejected_rows"
REJECTED_ROWS = th.PropertiesList(
    th.Property("source_file", th.StringType, required=True, description="File name."),
    th.Property("source_line", th.IntegerType, required=True, description="Line (header: 1)."),
    th.Property("report", th.StringType, description="Stream the row was meant for."),
    th.Property("reason", th.StringType, description="Why the row was not loaded."),
    th.Property("raw_line", th.StringType, description="The row as it is in the file."),
    th.Property("file_completed_at", th.DateTimeType, description="Report completion time (UTC)."),
).to_dict()
