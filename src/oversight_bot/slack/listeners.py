"""Bolt listeners: parse, ask the chat layer, render. Commands answer inside the acknowledgement;
anything that calls Slack back (buttons, the Home tab) acknowledges first and works in a lazy
listener, off the request thread."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from oversight_bot.chat.commands import Command, GetSegment, ShowMetrics, ShowTrend, command_text
from oversight_bot.chat.handle import Conversation
from oversight_bot.chat.replies import Reply
from oversight_bot.domain.actors import Actor
from oversight_bot.slack import blocks, ids
from oversight_bot.slack.actors import actor_of
from oversight_bot.slack.answers import KeptCommandAnswers, command_answer, parse_command
from oversight_bot.slack.charts import NOT_SHOWN, ChartUploads

ANY_VIEW = re.compile(".*")
CHARTED = (ShowMetrics, ShowTrend)  # the questions whose answers come with a chart


def register(
    app: App, conversation: Conversation, uploads: ChartUploads | None = None, kept: KeptCommandAnswers | None = None
) -> None:
    """Attach every listener; the manifest test checks that these match manifest.yml. `kept`: where
    answers that may be kept are put, for the HTTP layer to give again (slack/answers.py)."""
    uploads = uploads or ChartUploads()

    def answer(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
        parsed = parse_command(command.get("command", ""), command.get("text", ""))
        asker = actor_of(context, command)
        version = conversation.data_version(parsed, asker)  # before the answer is worked out
        body = command_answer(parsed, conversation.handle(parsed, asker))
        if kept is not None:
            kept.keep(version, parsed, body)
        ack(**body)

    def chart_after(command: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
        """After a command's answer: its chart, drawn and uploaded off the request thread, put in
        the answer in place of "a chart follows" (commands without a chart do nothing here)."""
        parsed: Command = parse_command(command.get("command", ""), command.get("text", ""))
        if not isinstance(parsed, CHARTED):  # read-only questions only: nothing is done twice
            return
        who = actor_of(context, command)
        reply = conversation.handle(parsed, who)
        if reply.chart is None:
            return
        send_with_chart(client, who.workspace or "", respond, reply, command_text(parsed), replace_original=True)

    def send_with_chart(
        client: WebClient, workspace: str, respond: Respond, reply: Reply, text: str, **how: Any
    ) -> None:
        assert reply.chart is not None
        file_id = uploads.file_for(client, workspace, reply.chart)

        def shaped(file: str | None, note: str | None) -> dict[str, Any]:
            return blocks.message(reply, command=text, share=True, chart_file=file, chart_note=note)

        uploads.send(respond, shaped, file_id, response_type="ephemeral", **how)

    app.command(ids.SLASH_SEGMENT)(ack=answer, lazy=[chart_after])
    app.command(ids.SLASH_OVERSIGHT)(ack=answer, lazy=[chart_after])

    def acknowledge(ack: Ack) -> None:
        ack()

    def run_command(body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
        """A button that runs a command: in a private answer it replaces it; under a shared one it
        answers the presser privately, leaving the channel's message alone."""
        text = body["actions"][0].get("value", "")
        who = actor_of(context, body)
        reply = conversation.respond(text, who)
        if reply.public:  # a button that changed the channel's subscriptions: say so in the channel
            respond(response_type="in_channel", replace_original=False, **blocks.message(reply))
            return
        private = bool((body.get("container") or {}).get("is_ephemeral"))
        if reply.chart is not None:
            send_with_chart(client, who.workspace or "", respond, reply, text, replace_original=private)
            return
        respond(response_type="ephemeral", replace_original=private, **blocks.message(reply, command=text, share=True))

    def share(body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
        text = body["actions"][0].get("value", "")
        who = actor_of(context, body)
        reply = conversation.respond(text, who)
        if not reply.shareable:  # only answers about published data; never a concern, whatever the button says
            respond(response_type="ephemeral", replace_original=False, text="That answer cannot be shared.")
            return
        # The chart the private answer showed (already uploaded for this data version), if any.
        chart = uploads.file_for(client, who.workspace or "", reply.chart) if reply.chart else None
        note = None if chart or reply.chart is None else NOT_SHOWN
        # Two requests, as Slack documents them: the answer posted in the channel first, then the
        # private one deleted on its own, and only once the channel has the answer.
        shown = blocks.message(reply, shared_by=who.user_id, chart_file=chart, chart_note=note)
        posted = respond(response_type="in_channel", replace_original=False, **shown)
        if posted.status_code != 200:
            text = "That answer could not be shared in this channel; it is still here, for you."
            respond(response_type="ephemeral", replace_original=False, text=text)
            return
        respond(delete_original=True)

    app.action(ids.RUN_COMMAND_PATTERN)(ack=acknowledge, lazy=[run_command])
    app.action(ids.SHARE)(ack=acknowledge, lazy=[share])

    @app.options(ids.ORGANISATION_SELECT)
    def organisation_options(ack: Ack, payload: dict[str, Any]) -> None:
        ack(options=blocks.organisation_options(conversation.suggest_organisations(payload.get("value", ""))))

    def open_lookup(body: dict[str, Any], client: WebClient) -> None:
        client.views_open(trigger_id=body["trigger_id"], view=blocks.lookup_modal())

    app.action(ids.HOME_LOOKUP)(ack=acknowledge, lazy=[open_lookup])

    @app.view(ids.LOOKUP_MODAL)
    def lookup_submitted(ack: Ack, view: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        chosen = view["state"]["values"][ids.LOOKUP_BLOCK][ids.ORGANISATION_SELECT].get("selected_option") or {}
        code = str(chosen.get("value", ""))
        if not code:
            ack(response_action="errors", errors={ids.LOOKUP_BLOCK: "Choose an organisation from the list."})
            return
        reply = conversation.handle(GetSegment(query=code), actor_of(context, body))
        ack(response_action="update", view=blocks.answer_modal(reply))

    def publish_home(event: dict[str, Any], client: WebClient, context: BoltContext, body: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        asker = Actor("slack", event["user"], workspace=actor_of(context, body).workspace)
        home = blocks.home_view(conversation.latest_changes(asker), conversation.respond("help", asker))
        client.views_publish(user_id=event["user"], view=home)

    app.event("app_home_opened")(ack=acknowledge, lazy=[publish_home])
    # Slack sends view_closed only for views that ask for it (none do), but answers one with 200.
    app.view_closed(ANY_VIEW)(acknowledge)
