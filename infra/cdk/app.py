"""The CDK app: ``python -m infra.cdk.app`` synthesizes it offline; the CDK CLI deploys it
(``cdk deploy -a "python -m infra.cdk.app" --all``)."""

from __future__ import annotations

from aws_cdk import App

from infra.cdk.data import DataStack
from infra.cdk.service import ServiceStack


def build_app(
    outdir: str | None = None,
    context: dict[str, str] | None = None,
) -> App:
    """The app with both stacks; nothing here reaches AWS (synthesis is offline). ``context``
    adds to what ``cdk -c`` passes (``bedrockModelId``, ``certificateArn``: infra.cdk.service)."""
    app = App(outdir=outdir, analytics_reporting=False, context=context)
    data = DataStack(app, "ShopagentData")
    ServiceStack(app, "ShopagentService", data=data)
    return app


if __name__ == "__main__":
    # The CDK CLI names the output folder (CDK_OUTDIR); run alone, App picks a temporary one.
    assembly = build_app().synth()
    stacks = ", ".join(stack.stack_name for stack in assembly.stacks)
    print(f"synthesized {stacks} into {assembly.directory}")
