"""The billing-plan core: months, money, plans, allowances and qualification (pure, no I/O)."""
