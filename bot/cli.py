"""The `supportdesk` command line; subcommands load lazily so --help starts fast."""

from __future__ import annotations

import importlib
import sys

import click

# name -> "module:attribute"; each module owns one command or command group.
SUBCOMMANDS = {
    "run": ("bot.commands.run:run", "Start the desk: channels, outbox delivery and scheduler."),
    "scheduler": ("bot.commands.run:scheduler", "Run only the scheduler (month close, SLA)."),
    "db": ("bot.commands.db:db", "Database schema: upgrade, current revision."),
    "org": ("bot.commands.org:org", "Organizations and their partner accounts."),
    "fees": ("bot.commands.fees:fees", "Monthly license fees of an organization."),
    "plan": ("bot.commands.plan:plan", "Plans: list, add, duplicate, hide, archive, assign."),
    "user": ("bot.commands.user:user", "Users, their chat identities and roles."),
    "classify": ("bot.commands.classify:classify", "Detect language and severity of a text."),
    "escalations": ("bot.commands.billing:escalations", "An organization's escalation numbers."),
    "close-month": ("bot.commands.billing:close_month",
                    "Close a month: bill it and issue its invoices, once."),
    "invoice": ("bot.commands.invoice:invoice", "Invoices: list, show, record payments."),
    "beta": ("bot.commands.beta:beta", "Beta programmes: publish, enrol client WABAs, live."),
    "summary": ("bot.commands.billing:summary", "The monthly escalation summary for managers."),
    "sla": ("bot.commands.sla:sla", "First-response targets and SLA reports."),
    "parked": ("bot.commands.parked:parked", "Updates that failed every attempt: replay or drop."),
    "ai": ("bot.commands.ai:ai", "AI assistance: status, calls, failures and latency."),
    "audit": ("bot.commands.audit:audit", "The audit trail: who changed what, newest first."),
    "cases": ("bot.commands.cases:cases", "Cases, one row each: export as text, JSON or CSV."),
    "case": ("bot.commands.cases:case", "One case in full: case show N."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in SUBCOMMANDS:
            return None
        module_name, attr = SUBCOMMANDS[cmd_name][0].split(":")
        return getattr(importlib.import_module(module_name), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SUBCOMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="supportdesk")
def cli() -> None:
    """supportdesk: a support desk for WhatsApp Business API partners, in Slack and Telegram."""


# `supportdesk org` without a subcommand shows the group's help rather than an error line.
_HELP_ERRORS: tuple[type[Exception], ...] = tuple(
    e for e in (getattr(click.exceptions, "NoArgsIsHelpError", None),) if e is not None)


def main() -> None:
    """Run the CLI; every refusal, usage mistakes included, is one line on stderr."""
    from bot.errors import SettingsError

    try:
        code = cli.main(standalone_mode=False)
    except _HELP_ERRORS as exc:
        exc.show()  # type: ignore[attr-defined]
        sys.exit(2)
    except click.UsageError as exc:
        where = f" (see: {exc.ctx.command_path} --help)" if exc.ctx is not None else ""
        click.echo(f"supportdesk: {exc.format_message()}{where}", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        click.echo(f"supportdesk: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("supportdesk: aborted", err=True)
        sys.exit(1)
    except SettingsError as exc:
        click.echo(f"supportdesk: {exc}", err=True)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
