"""Certifying a year from Dagster: the `certify_year` job (launch it from the UI with `by` and
`reason`) and the look-up of the run that wrote the year's tables, which the CLI shares."""

from datetime import datetime, timezone

import dagster as dg

from balanced_pipeline.monitoring.certification import CertificationRefused, certify_year
from balanced_pipeline.standards.loader import Standards
from balanced_pipeline.warehouse.catalogue import NOT_CERTIFIED, TABLES
from balanced_pipeline.warehouse.store import Warehouse
from balanced_pipeline.wiring.partitions import yearly_partitions
from balanced_pipeline.wiring.resources import StandardsResource, WarehouseResource

CERTIFY_JOB = "certify_year"


def runs_of_year(instance: dg.DagsterInstance, year: int) -> dict[str, str]:
    """Warehouse table → the run that last materialised it for `year` (tables never materialised
    on this instance are left out)."""
    runs = {}
    for name in TABLES:
        if name in NOT_CERTIFIED:
            continue
        found = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey(name), asset_partitions=[str(year)]), limit=1
        )
        if found.records:
            runs[name] = found.records[0].run_id
    return runs


def certify(instance: dg.DagsterInstance, warehouse: Warehouse, standards: Standards, year: int, by: str,
            reason: str) -> dict:
    """Certify `year` now (raises CertificationRefused with the blockers)."""
    return certify_year(warehouse, year, by, reason, runs_of_year(instance, year), standards,
                        datetime.now(timezone.utc))


class CertifyConfig(dg.Config):
    by: str
    """Who certifies (姓名): recorded in certifications.certified_by."""
    reason: str = ""
    """Why the year is certified again; required once the year has been certified."""


@dg.op(description="认定本年度数据：县区均完整、须说明的警告均已说明时，记录认定并冻结各表 / certify the year: "
                   "when every county is complete and no required warning is open, record it and freeze the tables")
def certify_year_op(context: dg.OpExecutionContext, config: CertifyConfig, warehouse: WarehouseResource,
                    standards: StandardsResource) -> None:
    year = int(context.partition_key)
    try:
        row = certify(context.instance, warehouse.get(), standards.load(), year, config.by, config.reason)
    except CertificationRefused as refused:
        raise dg.Failure(
            description=str(refused),
            metadata={"blockers": dg.MetadataValue.md("\n".join(b.line() for b in refused.blockers))},
            allow_retries=False,
        ) from None
    context.log.info(
        f"{year} 已认定 / certified by {row['certified_by']}: certification {row['sequence']} of run {row['run_id']}, "
        f"{row['ready_counties']} of {row['counties']} counties ready, {row['input_files']} input files hashed"
    )


@dg.job(name=CERTIFY_JOB, partitions_def=yearly_partitions,
        description="认定一个年度（12月15日）/ certify a year's figures (15 December): choose the year, give `by`")
def certify_year_job() -> None:
    certify_year_op()
