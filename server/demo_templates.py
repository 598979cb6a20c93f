"""The demo's task templates: titles, bodies, references and tags per queue, filled in by ``demo``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Template:
    title: str
    body: str
    reference: str
    tags: tuple[str, ...]


T = Template
TEMPLATES: dict[str, tuple[Template, ...]] = {
    "orders": (
        T(
            "Order {order} stuck in picking for {days} days",
            "Customer: {customer} <{email}>\nOrder: {order} ({qty} × {product}, {sku})\nWarehouse: {city}\n\n"
            'The order has shown "picking" since {date}. The customer has asked twice where it is.\n'
            "Check stock for {sku} and either re-pick or offer a substitute.",
            "{order}",
            ("priority-shipping", "vip"),
        ),
        T(
            "Short shipment on {order}: {sku} missing",
            "Customer: {customer}\nOrder: {order}\nCarrier: {carrier}, tracking {tracking}\n\n"
            "Parcel arrived without {product} ({sku}). Packing slip lists {qty} items, customer received {short}.\n"
            "Decide: re-ship the missing item or refund €{amount}.",
            "{order}",
            ("partial", "b2b"),
        ),
        T(
            "Address change requested for {order}",
            "{customer} moved and needs {order} sent to:\n  {street} {house}\n  {city}, {country}\n\n"
            "The order has not left the warehouse yet. Update the address in the WMS and confirm.",
            "{order}",
            ("address",),
        ),
        T(
            "{carrier} lost parcel for {order}",
            "Tracking {tracking} has not moved for {days} days.\nCustomer: {customer}\nValue: €{amount}\n\n"
            "Open a claim with {carrier} and send a replacement if stock allows.",
            "{order}",
            ("carrier-claim", "vip"),
        ),
    ),
    "returns": (
        T(
            "Return {rma}: {product} arrived damaged",
            "Customer: {customer}\nOriginal order: {order}\nItem: {product} ({sku})\nRefund due: €{amount}\n\n"
            "Warehouse inspection notes: box crushed, item scratched on one side.\n"
            "Approve the refund or offer a partial refund of €{partial}.",
            "{rma}",
            ("inspection", "vip"),
        ),
        T(
            "Refund not received for {order}",
            "{customer} returned {product} on {date} and says the €{amount} refund has not arrived.\n"
            "Return {rma} was scanned in at {city}.\n\nCheck the payment provider and re-issue if it failed.",
            "{rma}",
            ("chargeback",),
        ),
        T(
            "Return outside window: {order}",
            "Customer: {customer}\nBought: {bought} ({late} days ago)\nItem: {product}\n\n"
            "Policy allows 30 days. Customer says it is faulty, not unwanted.\n"
            "Decide whether to accept it as a warranty return.",
            "{order}",
            ("policy-exception",),
        ),
    ),
    "complaints": (
        T(
            "Complaint from {customer} about {reason}",
            'Received by email from {email}.\n\n"I am writing about {reason}. This is not the service I expect '
            'after being a customer for {years} years."\n\nRelated order: {order}.\n'
            "Reply within the SLA with an apology and a remedy.",
            "{complaint}",
            ("vip", "escalated", "repeat-customer"),
        ),
        T(
            "Social media complaint: {reason}",
            "Posted publicly by {customer}; the social team forwarded it.\nOrder: {order}\n\n"
            "Move the conversation to a private channel, then investigate {reason}.",
            "{complaint}",
            ("social", "escalated"),
        ),
        T(
            "Ombudsman letter about {customer}",
            "The ombudsman asks for our account of {reason} (case {complaint}).\nDeadline in the letter: {date}.\n\n"
            "Collect the order history for {order} and the call notes, then draft a response for legal.",
            "{complaint}",
            ("legal",),
        ),
    ),
    "billing": (
        T(
            "Invoice {invoice} disputed by {company}",
            "Customer: {company} (account {account})\nInvoice: {invoice}, €{amount}, due {date}\n\n"
            "They say line 3 ({product}) was never delivered. Check the delivery note and issue a credit note "
            "if they are right.",
            "{invoice}",
            ("b2b", "dispute"),
        ),
        T(
            "Failed direct debit for {company}",
            "Account {account}\nAmount: €{amount}\nBank reason code: MD{code} (refer to payer)\n\n"
            "Second failure this quarter. Contact the finance contact, {customer},\n"
            "and set up a payment plan if needed.",
            "{invoice}",
            ("collections",),
        ),
        T(
            "Chargeback on {order}: €{amount}",
            "Card issuer opened a chargeback for {order} ({customer}).\nReason: goods not received.\n\n"
            "Upload proof of delivery from {carrier} (tracking {tracking}) before the deadline.",
            "{order}",
            ("chargeback", "fraud-check"),
        ),
        T(
            "Credit note request for {invoice}",
            "{company} returned {qty} units of {sku}. Raise a credit note for €{amount} against {invoice}.",
            "{invoice}",
            ("b2b",),
        ),
    ),
    "data-entry": (
        T(
            "Key in price list from {supplier}",
            "New price list from {supplier}, valid from {date}.\n{qty} lines, attached as PDF.\n\n"
            "Update the purchase prices in {system}; flag anything that rose more than 10%.",
            "SUP-{n4}",
            ("supplier",),
        ),
        T(
            "Correct customer record for {customer}",
            "Duplicate records found for {customer} ({email}).\nAccounts {account} and CUST-{n5}.\n\n"
            "Merge them, keeping the newer address in {city}.",
            "CUST-{n5}",
            ("master-data", "gdpr"),
        ),
        T(
            "Enter paper order form from {company}",
            "Faxed order from {company}:\n  {qty} × {product} ({sku})\n  Delivery to {city}\n\n"
            "Create the sales order and send the confirmation.",
            "DE-{n5}",
            ("manual-entry",),
        ),
    ),
    "hr-onboarding": (
        T(
            "New starter: {employee}, {job} ({department})",
            "Start date: {date}\nManager: {manager}\nLocation: {city}\n\n"
            "- Contract signed and filed\n- Payroll set up in {payroll}\n- Laptop ordered\n- First-week plan sent",
            "EMP-{n4}",
            ("new-starter",),
        ),
        T(
            "Right-to-work check for {employee}",
            "{employee} starts as {job} on {date}. Passport copy received; verify it and record the check.",
            "EMP-{n4}",
            ("compliance", "new-starter"),
        ),
        T(
            "Contractor onboarding: {employee}",
            "Agency contractor for {department}, {months} months.\nManager: {manager}\n\n"
            "Needs a purchase order, building pass and access to {system}.",
            "EMP-{n4}",
            ("contractor",),
        ),
    ),
    "it-access": (
        T(
            "Grant {role} in {system} to {employee}",
            "Requested by {manager} for {employee} ({department}).\nSystem: {system}\nRole: {role}\n\n"
            "Needs line-manager approval before granting.",
            "REQ-{n5}",
            ("approval-needed", "sso"),
        ),
        T(
            "Revoke access for leaver {employee}",
            "{employee} leaves {department} on {date}.\nRemove access to {system} and the shared drives; "
            "transfer mailbox ownership to {manager}.",
            "REQ-{n5}",
            ("leaver", "urgent-revoke"),
        ),
        T(
            "Password reset locked out: {employee}",
            "{employee} is locked out of {system} after MFA device change. Verify identity by phone before resetting.",
            "REQ-{n5}",
            ("sso",),
        ),
    ),
    "compliance": (
        T(
            "GDPR access request from {customer}",
            "Data subject access request received {date} from {email}.\n\n"
            "Collect records from {system}, the order history ({order}) and call recordings. One-month deadline.",
            "DSR-{n4}",
            ("gdpr", "legal"),
        ),
        T(
            "KYC review: {company}",
            "Periodic KYC refresh for {company} (account {account}).\nCountry: {country}\n\n"
            "Ultimate beneficial owner documents have expired. Request new ones.",
            "KYC-{n5}",
            ("kyc",),
        ),
        T(
            "Sanctions screening hit: {customer}",
            "Screening flagged {customer} ({country}) as a possible match.\nOrder {order}, €{amount}, is on hold.\n\n"
            "Compare date of birth and address; clear or escalate to the MLRO.",
            "KYC-{n5}",
            ("sanctions", "vip"),
        ),
        T(
            "Audit evidence for {system} access review",
            "Auditors want the Q{quarter} user access review for {system}:\n"
            "list of users, roles and sign-off by {manager}.",
            "AUD-{n4}",
            ("audit",),
        ),
    ),
}
