"""Payments with their idempotency keys, the funds' accounts and an append-only ledger, medical
bills, personal medical accounts and family mutual aid, and the sandbox gateway's orders

Revision ID: e5b7c2d9a4f1
Revises: e5a9c4d71b3f
Create Date: 2026-12-06 15:20:13
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from advanced_alchemy.types import GUID, DateTimeUTC


revision = 'e5b7c2d9a4f1'
down_revision = 'e5a9c4d71b3f'
branch_labels = None
depends_on = None

# The funds the accounts keep (app/domain/funds.Fund), their art. 64 category, and the accounts
# of each fund's books (app/domain/ledger.Account), as they were when this migration was written.
FUNDS = {
    'emp_pension': 'pension',
    'res_pension': 'pension',
    'emp_medical': 'medical_maternity',
    'res_medical': 'medical_maternity',
    'work_injury': 'work_injury',
    'unemployment': 'unemployment',
}
ACCOUNTS = (
    'bank',
    'contributions',
    'pooled_benefits',
    'personal_accounts',
    'transfers_out',
    'transfers_in',
)
LEDGER = ('ledger_postings', 'ledger_entries')


def _append_only() -> None:
    """Refuse updates and deletes of the ledger in the database itself: a correction is a
    reversing posting."""
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'the ledger is append-only: post a reversing entry'; END $$"
        )
        for table in LEDGER:
            op.execute(
                f'CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} '
                'FOR EACH ROW EXECUTE FUNCTION ledger_append_only()'
            )
        return
    for table in LEDGER:
        for event in ('UPDATE', 'DELETE'):
            op.execute(
                f'CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} '
                "BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: post a reversing entry'); END"
            )


def _drop_append_only() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in LEDGER:
            op.execute(f'DROP TRIGGER IF EXISTS {table}_append_only ON {table}')
        op.execute('DROP FUNCTION IF EXISTS ledger_append_only()')
        return
    for table in LEDGER:
        for event in ('update', 'delete'):
            op.execute(f'DROP TRIGGER IF EXISTS {table}_no_{event}')


# Each migration runs inside the one transaction Alembic opens, so a failure leaves nothing half done.
def upgrade() -> None:
    fund_accounts = op.create_table('fund_accounts',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('fund', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('account', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_fund_accounts'))
    )
    op.bulk_insert(
        fund_accounts,
        [
            {'code': f'{fund}:{account}', 'fund': fund, 'category': category, 'account': account}
            for fund, category in FUNDS.items()
            for account in ACCOUNTS
        ],
    )
    with op.batch_alter_table('fund_accounts', schema=None) as batch_op:
        batch_op.create_index('ux_fund_accounts_fund_account', ['fund', 'account'], unique=True)

    op.create_table('sandbox_gateway_orders',
    sa.Column('id', GUID(length=16), nullable=False),
    sa.Column('merchant', sa.String(length=40), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('notify_url', sa.String(length=300), nullable=False),
    sa.Column('return_url', sa.String(length=300), nullable=False),
    sa.Column('expires_at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('transaction_id', sa.String(length=64), nullable=True),
    sa.Column('paid_at', DateTimeUTC(timezone=True), nullable=True),
    sa.Column('notify_due_at', DateTimeUTC(timezone=True), nullable=True),
    sa.Column('notify_attempts', sa.Integer(), nullable=False),
    sa.Column('acknowledged_at', DateTimeUTC(timezone=True), nullable=True),
    sa.Column('extra_copies', sa.Integer(), nullable=False),
    sa.Column('refund_reference', sa.String(length=64), nullable=True),
    sa.Column('refunded_at', DateTimeUTC(timezone=True), nullable=True),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', DateTimeUTC(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sandbox_gateway_orders')),
    sa.UniqueConstraint('transaction_id', name=op.f('uq_sandbox_gateway_orders_transaction_id'))
    )
    with op.batch_alter_table('sandbox_gateway_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sandbox_gateway_orders_notify_due_at'), ['notify_due_at'], unique=False)
        batch_op.create_index('ux_sandbox_orders_merchant_reference', ['merchant', 'reference'], unique=True)

    op.create_table('medical_bills',
    sa.Column('id', GUID(length=16), nullable=False),
    sa.Column('person_id', GUID(length=16), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('provider_name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('scheme', sa.String(length=10), nullable=False),
    sa.Column('total_fen', sa.BigInteger(), nullable=False),
    sa.Column('pooled_fen', sa.BigInteger(), nullable=False),
    sa.Column('personal_fen', sa.BigInteger(), nullable=False),
    sa.Column('other_fen', sa.BigInteger(), nullable=False),
    sa.Column('cash_fen', sa.BigInteger(), nullable=False),
    sa.Column('issued_at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', DateTimeUTC(timezone=True), nullable=False),
    sa.CheckConstraint('pooled_fen + personal_fen + other_fen + cash_fen = total_fen', name=op.f('ck_medical_bills_parts_add_up')),
    sa.CheckConstraint('pooled_fen >= 0 AND personal_fen >= 0 AND other_fen >= 0 AND cash_fen >= 0', name=op.f('ck_medical_bills_parts_not_negative')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_medical_bills_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medical_bills')),
    sa.UniqueConstraint('reference', name=op.f('uq_medical_bills_reference'))
    )
    with op.batch_alter_table('medical_bills', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_medical_bills_person_id'), ['person_id'], unique=False)

    op.create_table('medical_accounts',
    sa.Column('person_id', GUID(length=16), nullable=False),
    sa.Column('balance_fen', sa.BigInteger(), nullable=False),
    sa.Column('set_aside_fen', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('balance_fen >= 0 AND set_aside_fen >= 0', name=op.f('ck_medical_accounts_not_negative')),
    sa.CheckConstraint('set_aside_fen <= balance_fen', name=op.f('ck_medical_accounts_set_aside_within_balance')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_medical_accounts_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_medical_accounts'))
    )

    op.create_table('mutual_aid_links',
    sa.Column('id', GUID(length=16), nullable=False),
    sa.Column('giver_person_id', GUID(length=16), nullable=False),
    sa.Column('relative_person_id', GUID(length=16), nullable=False),
    sa.Column('relationship', sa.String(length=12), nullable=False),
    sa.Column('quota_fen', sa.BigInteger(), nullable=False),
    sa.Column('used_fen', sa.BigInteger(), nullable=False),
    sa.Column('ended_at', DateTimeUTC(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=20), nullable=True),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', DateTimeUTC(timezone=True), nullable=False),
    sa.CheckConstraint('used_fen >= 0 AND used_fen <= quota_fen', name=op.f('ck_mutual_aid_links_used_within_quota')),
    sa.ForeignKeyConstraint(['giver_person_id'], ['people.id'], name=op.f('fk_mutual_aid_links_giver_person_id_people')),
    sa.ForeignKeyConstraint(['relative_person_id'], ['people.id'], name=op.f('fk_mutual_aid_links_relative_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mutual_aid_links'))
    )
    with op.batch_alter_table('mutual_aid_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mutual_aid_links_giver_person_id'), ['giver_person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mutual_aid_links_relative_person_id'), ['relative_person_id'], unique=False)
        batch_op.create_index('ux_mutual_aid_active_pair', ['giver_person_id', 'relative_person_id'], unique=True, sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))

    op.create_table('payments',
    sa.Column('id', GUID(length=16), nullable=False),
    sa.Column('holder_account_id', GUID(length=16), nullable=False),
    sa.Column('payer_person_id', GUID(length=16), nullable=False),
    sa.Column('beneficiary_person_id', GUID(length=16), nullable=False),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('bill', sa.String(length=120), nullable=False),
    sa.Column('fund', sa.String(length=20), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('coverage_year', sa.Integer(), nullable=True),
    sa.Column('period_month', sa.Integer(), nullable=True),
    sa.Column('grade', sa.Integer(), nullable=True),
    sa.Column('base_fen', sa.BigInteger(), nullable=True),
    sa.Column('waiting_months', sa.Integer(), nullable=True),
    sa.Column('bill_reference', sa.String(length=40), nullable=True),
    sa.Column('total_fen', sa.BigInteger(), nullable=True),
    sa.Column('pooled_fen', sa.BigInteger(), nullable=True),
    sa.Column('personal_fen', sa.BigInteger(), nullable=True),
    sa.Column('other_fen', sa.BigInteger(), nullable=True),
    sa.Column('aid_fen', sa.BigInteger(), nullable=True),
    sa.Column('own_fen', sa.BigInteger(), nullable=True),
    sa.Column('aid_link_id', GUID(length=16), nullable=True),
    sa.Column('medical_bill_id', GUID(length=16), nullable=True),
    sa.Column('content_digest', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('transaction_id', sa.String(length=64), nullable=True),
    sa.Column('expires_at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('paid_at', DateTimeUTC(timezone=True), nullable=True),
    sa.Column('closed_at', DateTimeUTC(timezone=True), nullable=True),
    sa.Column('refund_reason', sa.String(length=12), nullable=True),
    sa.Column('refunded_at', DateTimeUTC(timezone=True), nullable=True),
    sa.Column('last_queried_at', DateTimeUTC(timezone=True), nullable=True),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', DateTimeUTC(timezone=True), nullable=False),
    sa.CheckConstraint('amount_fen >= 0', name=op.f('ck_payments_amount_not_negative')),
    sa.ForeignKeyConstraint(['aid_link_id'], ['mutual_aid_links.id'], name=op.f('fk_payments_aid_link_id_mutual_aid_links')),
    sa.ForeignKeyConstraint(['medical_bill_id'], ['medical_bills.id'], name=op.f('fk_payments_medical_bill_id_medical_bills')),
    sa.ForeignKeyConstraint(['beneficiary_person_id'], ['people.id'], name=op.f('fk_payments_beneficiary_person_id_people')),
    sa.ForeignKeyConstraint(['holder_account_id'], ['holder_accounts.id'], name=op.f('fk_payments_holder_account_id_holder_accounts')),
    sa.ForeignKeyConstraint(['payer_person_id'], ['people.id'], name=op.f('fk_payments_payer_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('transaction_id', name=op.f('uq_payments_transaction_id'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index('ix_payments_beneficiary', ['beneficiary_person_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_bill'), ['bill'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_payer_person_id'), ['payer_person_id'], unique=False)
        batch_op.create_index('ix_payments_state', ['state'], unique=False)
        batch_op.create_index('ux_payments_open_bill', ['bill'], unique=True, sqlite_where=sa.text("state = 'created'"), postgresql_where=sa.text("state = 'created'"))
        batch_op.create_index('ux_payments_paid_bill', ['bill'], unique=True, sqlite_where=sa.text("state = 'paid'"), postgresql_where=sa.text("state = 'paid'"))

    op.create_table('ledger_postings',
    sa.Column('id', GUID(length=16), nullable=False),
    sa.Column('payment_id', GUID(length=16), nullable=True),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('purpose', sa.String(length=80), nullable=False),
    sa.Column('at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('reverses_id', GUID(length=16), nullable=True),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_ledger_postings_payment_id_payments')),
    sa.ForeignKeyConstraint(['reverses_id'], ['ledger_postings.id'], name=op.f('fk_ledger_postings_reverses_id_ledger_postings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_postings')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_ledger_postings_reverses_id'))
    )
    with op.batch_alter_table('ledger_postings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_postings_at'), ['at'], unique=False)
        batch_op.create_index('ux_ledger_postings_payment_kind', ['payment_id', 'kind'], unique=True, sqlite_where=sa.text('payment_id IS NOT NULL'), postgresql_where=sa.text('payment_id IS NOT NULL'))

    op.create_table('payment_idempotency_keys',
    sa.Column('holder_account_id', GUID(length=16), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('content_digest', sa.String(length=64), nullable=False),
    sa.Column('payment_id', GUID(length=16), nullable=True),
    sa.Column('expires_at', DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['holder_account_id'], ['holder_accounts.id'], name=op.f('fk_payment_idempotency_keys_holder_account_id_holder_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_payment_idempotency_keys_payment_id_payments')),
    sa.PrimaryKeyConstraint('holder_account_id', 'key', name=op.f('pk_payment_idempotency_keys'))
    )
    with op.batch_alter_table('payment_idempotency_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_idempotency_keys_expires_at'), ['expires_at'], unique=False)

    op.create_table('ledger_entries',
    sa.Column('id', GUID(length=16), nullable=False),
    sa.Column('posting_id', GUID(length=16), nullable=False),
    sa.Column('account_code', sa.String(length=40), nullable=False),
    sa.Column('debit_fen', sa.BigInteger(), nullable=False),
    sa.Column('credit_fen', sa.BigInteger(), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.CheckConstraint('(debit_fen > 0 AND credit_fen = 0) OR (debit_fen = 0 AND credit_fen > 0)', name=op.f('ck_ledger_entries_one_side')),
    sa.ForeignKeyConstraint(['account_code'], ['fund_accounts.code'], name=op.f('fk_ledger_entries_account_code_fund_accounts')),
    sa.ForeignKeyConstraint(['posting_id'], ['ledger_postings.id'], name=op.f('fk_ledger_entries_posting_id_ledger_postings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries'))
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_entries_account_code'), ['account_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_posting_id'), ['posting_id'], unique=False)
    _append_only()


def downgrade() -> None:
    _drop_append_only()
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entries_posting_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_entries_account_code'))

    op.drop_table('ledger_entries')
    with op.batch_alter_table('payment_idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_idempotency_keys_expires_at'))

    op.drop_table('payment_idempotency_keys')
    with op.batch_alter_table('ledger_postings', schema=None) as batch_op:
        batch_op.drop_index('ux_ledger_postings_payment_kind', sqlite_where=sa.text('payment_id IS NOT NULL'), postgresql_where=sa.text('payment_id IS NOT NULL'))
        batch_op.drop_index(batch_op.f('ix_ledger_postings_at'))

    op.drop_table('ledger_postings')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('ux_payments_paid_bill', sqlite_where=sa.text("state = 'paid'"), postgresql_where=sa.text("state = 'paid'"))
        batch_op.drop_index('ux_payments_open_bill', sqlite_where=sa.text("state = 'created'"), postgresql_where=sa.text("state = 'created'"))
        batch_op.drop_index('ix_payments_state')
        batch_op.drop_index(batch_op.f('ix_payments_payer_person_id'))
        batch_op.drop_index(batch_op.f('ix_payments_bill'))
        batch_op.drop_index('ix_payments_beneficiary')

    op.drop_table('payments')
    with op.batch_alter_table('mutual_aid_links', schema=None) as batch_op:
        batch_op.drop_index('ux_mutual_aid_active_pair', sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_mutual_aid_links_relative_person_id'))
        batch_op.drop_index(batch_op.f('ix_mutual_aid_links_giver_person_id'))

    op.drop_table('mutual_aid_links')
    op.drop_table('medical_accounts')
    with op.batch_alter_table('medical_bills', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_medical_bills_person_id'))

    op.drop_table('medical_bills')
    with op.batch_alter_table('sandbox_gateway_orders', schema=None) as batch_op:
        batch_op.drop_index('ux_sandbox_orders_merchant_reference')
        batch_op.drop_index(batch_op.f('ix_sandbox_gateway_orders_notify_due_at'))

    op.drop_table('sandbox_gateway_orders')
    with op.batch_alter_table('fund_accounts', schema=None) as batch_op:
        batch_op.drop_index('ux_fund_accounts_fund_account')

    op.drop_table('fund_accounts')
