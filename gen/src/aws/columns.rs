//! The CUR columns koku keeps (input-data §3.2 step 1, §4.6) and how they map onto the hourly and daily
//! Parquet files (§4.6, §4.7).
//!
//! Every text column of a line item is stored per line template as an interned id (see
//! [`super::fleet::Texts`]); the ten measures and four timestamps are computed per row; the time interval
//! is per hour.

use arrow::datatypes::{DataType, Field, TimeUnit};

/// Text columns of a line (CUR names), indexed by the constants in [`text`].
pub const TEXT_COLUMNS: [&str; N_TEXT] = [
    "bill/BillType",
    "bill/BillingEntity",
    "bill/InvoiceId",
    "bill/PayerAccountId",
    "lineItem/AvailabilityZone",
    "lineItem/CurrencyCode",
    "lineItem/LegalEntity",
    "lineItem/LineItemDescription",
    "lineItem/LineItemType",
    "lineItem/Operation",
    "lineItem/ProductCode",
    "lineItem/ResourceId",
    "lineItem/TaxType",
    "lineItem/UsageAccountId",
    "lineItem/UsageType",
    "pricing/term",
    "pricing/unit",
    "product/ProductName",
    "product/instanceType",
    "product/memory",
    "product/operatingSystem",
    "product/physicalCores",
    "product/productFamily",
    "product/region",
    "product/servicecode",
    "product/sku",
    "product/vcpu",
    "reservation/AmortizedUpfrontCostForUsage",
    "reservation/AmortizedUpfrontFeeForBillingPeriod",
    "reservation/EndTime",
    "reservation/NumberOfReservations",
    "reservation/RecurringFeeForUsage",
    "reservation/StartTime",
    "reservation/UnitsPerReservation",
    "reservation/UnusedQuantity",
    "reservation/UnusedRecurringFee",
    // koku's JSON columns built from the `resourceTags/user:*` and `costCategory/*` columns.
    "resourceTags",
    "costCategory",
];
pub const N_TEXT: usize = 38;

/// Indices into [`TEXT_COLUMNS`].
pub mod text {
    pub const BILL_TYPE: usize = 0;
    pub const BILLING_ENTITY: usize = 1;
    pub const INVOICE_ID: usize = 2;
    pub const PAYER_ACCOUNT_ID: usize = 3;
    pub const AVAILABILITY_ZONE: usize = 4;
    pub const CURRENCY_CODE: usize = 5;
    pub const LEGAL_ENTITY: usize = 6;
    pub const DESCRIPTION: usize = 7;
    pub const LINE_ITEM_TYPE: usize = 8;
    pub const OPERATION: usize = 9;
    pub const PRODUCT_CODE: usize = 10;
    pub const RESOURCE_ID: usize = 11;
    pub const TAX_TYPE: usize = 12;
    pub const USAGE_ACCOUNT_ID: usize = 13;
    pub const USAGE_TYPE: usize = 14;
    pub const PRICING_TERM: usize = 15;
    pub const PRICING_UNIT: usize = 16;
    pub const PRODUCT_NAME: usize = 17;
    pub const INSTANCE_TYPE: usize = 18;
    pub const MEMORY: usize = 19;
    pub const OPERATING_SYSTEM: usize = 20;
    pub const PHYSICAL_CORES: usize = 21;
    pub const PRODUCT_FAMILY: usize = 22;
    pub const REGION: usize = 23;
    pub const SERVICE_CODE: usize = 24;
    pub const SKU: usize = 25;
    pub const VCPU: usize = 26;
    pub const RES_AMORTIZED_UPFRONT_COST_FOR_USAGE: usize = 27;
    pub const RES_AMORTIZED_UPFRONT_FEE_FOR_PERIOD: usize = 28;
    pub const RES_END_TIME: usize = 29;
    pub const RES_NUMBER_OF_RESERVATIONS: usize = 30;
    pub const RES_RECURRING_FEE_FOR_USAGE: usize = 31;
    pub const RES_START_TIME: usize = 32;
    pub const RES_UNITS_PER_RESERVATION: usize = 33;
    pub const RES_UNUSED_QUANTITY: usize = 34;
    pub const RES_UNUSED_RECURRING_FEE: usize = 35;
    pub const RESOURCE_TAGS: usize = 36;
    pub const COST_CATEGORY: usize = 37;
}

/// The ten measures koku converts to double (input-data §3.2 step 2), indexed by the constants in [`m`].
pub const MEASURES: [&str; N_MEASURES] = [
    "lineItem/UsageAmount",
    "lineItem/NormalizationFactor",
    "lineItem/NormalizedUsageAmount",
    "lineItem/UnblendedRate",
    "lineItem/UnblendedCost",
    "lineItem/BlendedRate",
    "lineItem/BlendedCost",
    "pricing/publicOnDemandCost",
    "pricing/publicOnDemandRate",
    "savingsPlan/SavingsPlanEffectiveCost",
];
pub const N_MEASURES: usize = 10;

/// Indices into [`MEASURES`].
pub mod m {
    pub const USAGE_AMOUNT: usize = 0;
    pub const NORMALIZATION_FACTOR: usize = 1;
    pub const NORMALIZED_USAGE_AMOUNT: usize = 2;
    pub const UNBLENDED_RATE: usize = 3;
    pub const UNBLENDED_COST: usize = 4;
    pub const BLENDED_RATE: usize = 5;
    pub const BLENDED_COST: usize = 6;
    pub const PUBLIC_ON_DEMAND_COST: usize = 7;
    pub const PUBLIC_ON_DEMAND_RATE: usize = 8;
    pub const SAVINGS_PLAN_EFFECTIVE_COST: usize = 9;
}

/// Whether the daily roll-up sums a measure (else it takes the max), koku's `_generate_daily_data`.
pub const SUMMED: [bool; N_MEASURES] = [
    true, false, true, false, true, false, true, true, false, true,
];

/// One column of the hourly file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Text(usize),
    Measure(usize),
    BillingPeriodStart,
    BillingPeriodEnd,
    UsageStart,
    UsageEnd,
    TimeInterval,
}

/// koku's `strip_characters_from_column_name`: every run of non-word characters becomes `_`, then
/// lower case (`lineItem/UsageStartDate` → `lineitem_usagestartdate`).
pub fn parquet_name(cur: &str) -> String {
    let mut out = String::with_capacity(cur.len());
    let mut in_run = false;
    for c in cur.chars() {
        if c.is_alphanumeric() || c == '_' {
            out.extend(c.to_lowercase());
            in_run = false;
        } else if !in_run {
            out.push('_');
            in_run = true;
        }
    }
    out
}

/// The hourly columns in file order: the CUR columns koku keeps in the CUR's header order (nise writes
/// the header sorted, as `sorted()` in Python: byte order), then `resourcetags`, `costcategory` (added
/// by koku's post-processor after the CSV columns).
pub fn hourly_columns() -> Vec<(String, Source)> {
    let mut cur: Vec<(&str, Source)> = TEXT_COLUMNS[..text::RESOURCE_TAGS]
        .iter()
        .enumerate()
        .map(|(i, n)| (*n, Source::Text(i)))
        .chain(
            MEASURES
                .iter()
                .enumerate()
                .map(|(i, n)| (*n, Source::Measure(i))),
        )
        .chain([
            ("bill/BillingPeriodStartDate", Source::BillingPeriodStart),
            ("bill/BillingPeriodEndDate", Source::BillingPeriodEnd),
            ("lineItem/UsageStartDate", Source::UsageStart),
            ("lineItem/UsageEndDate", Source::UsageEnd),
            ("identity/TimeInterval", Source::TimeInterval),
        ])
        .collect();
    cur.sort_by(|a, b| a.0.cmp(b.0));
    cur.into_iter()
        .chain([
            ("resourceTags", Source::Text(text::RESOURCE_TAGS)),
            ("costCategory", Source::Text(text::COST_CATEGORY)),
        ])
        .map(|(n, s)| (parquet_name(n), s))
        .collect()
}

pub fn utc_ms() -> DataType {
    DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
}

pub fn hourly_fields() -> Vec<Field> {
    hourly_columns()
        .into_iter()
        .map(|(n, s)| {
            let t = match s {
                Source::Text(_) | Source::TimeInterval => DataType::Utf8,
                Source::Measure(_) => DataType::Float64,
                _ => utc_ms(),
            };
            Field::new(n, t, true)
        })
        .collect()
}

/// The daily group key after the day, in koku's order (the day is the second key).
pub const DAILY_KEY: [usize; 18] = [
    text::RESOURCE_ID,
    text::PAYER_ACCOUNT_ID,
    text::USAGE_ACCOUNT_ID,
    text::LEGAL_ENTITY,
    text::DESCRIPTION,
    text::BILLING_ENTITY,
    text::PRODUCT_CODE,
    text::AVAILABILITY_ZONE,
    text::LINE_ITEM_TYPE,
    text::USAGE_TYPE,
    text::OPERATION,
    text::PRODUCT_FAMILY,
    text::OPERATING_SYSTEM,
    text::INSTANCE_TYPE,
    text::REGION,
    text::PRICING_UNIT,
    text::RESOURCE_TAGS,
    text::COST_CATEGORY,
];

/// The daily aggregates in koku's order: a measure (sum or max per [`SUMMED`]) or a text column (max).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DailyAgg {
    Measure(usize),
    TextMax(usize),
}

pub const DAILY_AGGS: [DailyAgg; 15] = [
    DailyAgg::Measure(m::USAGE_AMOUNT),
    DailyAgg::Measure(m::NORMALIZATION_FACTOR),
    DailyAgg::Measure(m::NORMALIZED_USAGE_AMOUNT),
    DailyAgg::TextMax(text::CURRENCY_CODE),
    DailyAgg::Measure(m::UNBLENDED_RATE),
    DailyAgg::Measure(m::UNBLENDED_COST),
    DailyAgg::Measure(m::BLENDED_RATE),
    DailyAgg::Measure(m::BLENDED_COST),
    DailyAgg::Measure(m::PUBLIC_ON_DEMAND_COST),
    DailyAgg::Measure(m::PUBLIC_ON_DEMAND_RATE),
    DailyAgg::Measure(m::SAVINGS_PLAN_EFFECTIVE_COST),
    DailyAgg::TextMax(text::INVOICE_ID),
    DailyAgg::TextMax(text::PRODUCT_NAME),
    DailyAgg::TextMax(text::VCPU),
    DailyAgg::TextMax(text::MEMORY),
];

pub fn daily_fields() -> Vec<Field> {
    let name = |i: usize| parquet_name(TEXT_COLUMNS[i]);
    let mut f = vec![
        Field::new(name(DAILY_KEY[0]), DataType::Utf8, true),
        Field::new("lineitem_usagestartdate", utc_ms(), true),
    ];
    f.extend(
        DAILY_KEY[1..]
            .iter()
            .map(|&i| Field::new(name(i), DataType::Utf8, true)),
    );
    for a in DAILY_AGGS {
        f.push(match a {
            DailyAgg::Measure(i) => Field::new(parquet_name(MEASURES[i]), DataType::Float64, true),
            DailyAgg::TextMax(i) => Field::new(name(i), DataType::Utf8, true),
        });
    }
    f.push(Field::new("row_uuid", DataType::Utf8, true));
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_order_are_kokus() {
        assert_eq!(
            parquet_name("lineItem/UsageStartDate"),
            "lineitem_usagestartdate"
        );
        assert_eq!(
            parquet_name("savingsPlan/SavingsPlanEffectiveCost"),
            "savingsplan_savingsplaneffectivecost"
        );
        let cols: Vec<String> = hourly_columns().into_iter().map(|c| c.0).collect();
        // 36 text + 10 measures + 4 timestamps + the interval + the two JSON columns (input-data §4.6).
        assert_eq!(cols.len(), 53);
        // nise's sorted header: `bill/BillType` sorts before `bill/BillingEntity` ('T' < 'i').
        assert_eq!(
            &cols[..3],
            [
                "bill_billtype",
                "bill_billingentity",
                "bill_billingperiodenddate"
            ]
        );
        assert_eq!(&cols[51..], ["resourcetags", "costcategory"]);
        let daily: Vec<String> = daily_fields().iter().map(|f| f.name().clone()).collect();
        assert_eq!(daily.len(), 19 + 15 + 1);
        assert_eq!(
            &daily[..3],
            [
                "lineitem_resourceid",
                "lineitem_usagestartdate",
                "bill_payeraccountid"
            ]
        );
        assert_eq!(daily[19], "lineitem_usageamount");
        assert_eq!(daily[34], "row_uuid");
        for (i, n) in TEXT_COLUMNS.iter().enumerate() {
            assert_eq!(TEXT_COLUMNS.iter().position(|x| x == n), Some(i));
        }
    }
}
