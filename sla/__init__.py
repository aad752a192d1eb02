"""First-response SLA: targets per plan and severity, case clocks, alerts and compliance reports."""
