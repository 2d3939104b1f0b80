//! The AWS organisation whose CUR is generated, as a list of *line templates*: one per CUR line that
//! recurs every hour (an instance's usage, a volume's storage, a bucket's requests, ...) or every day
//! (tax, RI fees, credits, support fee).
//!
//! It contains the OpenShift cluster of [`crate::model::Cluster`] — for the same parameters, the same
//! nodes and volumes the OCP generator writes:
//! * every node is an EC2 instance whose `lineitem_resourceid` **is** the node's `resource_id` (`i-…`),
//!   with its root EBS volume and three data-transfer lines (out, in, inter-AZ) on the instance id;
//! * every `ebs.csi.aws.com` persistent volume is an EBS volume whose resource id **is** the volume's
//!   `csi_volume_handle` (`vol-…`); CephFS volumes live on three ODF OSD volumes; local volumes have no
//!   AWS line (instance storage);
//! * two network load balancers; tags `openshift_cluster`, `openshift_node`, `openshift_project` (as
//!   koku's OCP-on-AWS matching expects) and `kubernetes.io/cluster/<id>: owned`;
//! * masters are covered by a Reserved Instance (`DiscountedUsage`), one worker in three by the Compute
//!   Savings Plan (`SavingsPlanCoveredUsage` + `SavingsPlanNegation`), the rest on demand.
//!
//! Around it, `extra_instances` unrelated EC2 instances in every usage account and three regions, each
//! with a root volume, and in proportion: data transfer (1 in 4 instances), Marketplace software
//! (1 in 20), S3 buckets (1 per 20 instances; storage + requests), RDS databases (1 per 50; instance +
//! storage) and application load balancers (1 per 100). Production instances are partly RI- or
//! SP-covered; development instances stop at weekends, test instances one week in four. Then the
//! Savings Plan's hourly recurring fee, daily RI fees per reservation, daily tax per account and
//! product, a daily credit and support fee (a real CUR bills tax, RI fees and support once a month;
//! daily lines make every day's summary see every line-item type).
//!
//! Tags and cost categories have bounded cardinality: per-node tags for the cluster, otherwise
//! `Name`/`app`/`environment`/`cost_center` from small vocabularies.
//!
//! Everything is a pure function of the configuration (seed-derived hashes, calendar dates), so a day
//! can be generated on its own, and a calendar day has the same lines whatever the start date.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate, Weekday};

use super::AwsConfig;
use super::columns::{N_MEASURES, N_TEXT, m, text as t};
use crate::model::{Cluster, GIB, REGION, py_json};
use crate::rng::{hash, hex, unit};

// Hash domain tags (the OCP model uses 1–11; never reuse one for two purposes).
const T_ACCOUNT: u64 = 101;
const T_EC2: u64 = 102;
const T_ROOT_VOLUME: u64 = 103;
const T_NODE_COVER: u64 = 104;
const T_OSD: u64 = 105;
const T_ELB: u64 = 106;
const T_SKU: u64 = 107;
pub(crate) const T_USAGE: u64 = 108;
const T_WEEK: u64 = 109;
pub(crate) const T_ROW_UUID: u64 = 110;
const T_NODE_VOLUME: u64 = 111;
const T_SP: u64 = 112;
const T_BUCKET: u64 = 113;

/// `lineItem/LineItemType` values generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LineType {
    Usage,
    DiscountedUsage,
    SavingsPlanCoveredUsage,
    SavingsPlanNegation,
    SavingsPlanRecurringFee,
    RiFee,
    Tax,
    Credit,
    Fee,
}

impl LineType {
    pub fn as_str(self) -> &'static str {
        match self {
            LineType::Usage => "Usage",
            LineType::DiscountedUsage => "DiscountedUsage",
            LineType::SavingsPlanCoveredUsage => "SavingsPlanCoveredUsage",
            LineType::SavingsPlanNegation => "SavingsPlanNegation",
            LineType::SavingsPlanRecurringFee => "SavingsPlanRecurringFee",
            LineType::RiFee => "RIFee",
            LineType::Tax => "Tax",
            LineType::Credit => "Credit",
            LineType::Fee => "Fee",
        }
    }

    /// Lines whose cost is set per day (tax, credit, fee) or whose Savings Plan effective cost is (the
    /// plan's recurring fee carries the unused commitment).
    fn has_day_amount(self) -> bool {
        matches!(
            self,
            LineType::Tax | LineType::Credit | LineType::Fee | LineType::SavingsPlanRecurringFee
        )
    }
}

/// On which calendar days a line is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    Always,
    /// Development instances are stopped on Saturdays and Sundays.
    Weekdays,
    /// Test instances run three ISO weeks in four (which weeks: a hash of the salt and the week).
    ThreeWeeksInFour(u64),
}

impl Schedule {
    pub fn active(self, seed: u64, date: NaiveDate) -> bool {
        match self {
            Schedule::Always => true,
            Schedule::Weekdays => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
            Schedule::ThreeWeeksInFour(salt) => {
                let w = date.iso_week();
                !hash(
                    seed,
                    &[T_WEEK, salt, w.year() as u64 * 100 + w.week() as u64],
                )
                .is_multiple_of(4)
            }
        }
    }
}

/// How a line's usage amount is derived.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Usage {
    /// The same every hour (instance hours, load-balancer hours, 1 for fees).
    Fixed(f64),
    /// A size (GB of storage) billed per hour as size / hours of the month (`GB-Mo`), so that
    /// cost / (rate / hours) is the size — what koku's OCP-on-AWS disk-capacity step relies on.
    PerMonth(f64),
    /// Varies per hour around a mean (data transfer GB, requests): mean × [0.25, 1.75).
    Noisy(f64),
}

/// One line template.
#[derive(Debug, Clone)]
pub struct Line {
    /// Text column values (ids into [`Texts`]), indexed like [`super::columns::TEXT_COLUMNS`].
    pub text: [u32; N_TEXT],
    pub line_type: LineType,
    /// One line per hour; else one line per day at 00:00 covering the day.
    pub hourly: bool,
    pub schedule: Schedule,
    pub usage: Usage,
    /// Unblended rate (for covered and negation lines the on-demand rate).
    pub rate: f64,
    pub blended_rate: f64,
    pub public_rate: f64,
    /// Savings Plan effective cost per usage unit (covered lines).
    pub sp_rate: f64,
    pub normalization_factor: f64,
    /// The (account, product) whose daily tax line this line's cost counts towards.
    pub tax_group: Option<u32>,
}

impl Line {
    /// Usage amount of the line for the hour `abs_hour` (hours since 1970) of a month of
    /// `hours_in_month` hours; `index` is the line's index in the fleet.
    pub fn usage_at(&self, seed: u64, index: u32, abs_hour: i64, hours_in_month: f64) -> f64 {
        match self.usage {
            Usage::Fixed(x) => x,
            Usage::PerMonth(q) => q / hours_in_month,
            Usage::Noisy(mean) => {
                mean * (0.25 + 1.5 * unit(hash(seed, &[T_USAGE, index as u64, abs_hour as u64])))
            }
        }
    }

    fn nominal_usage(&self, hours_in_month: f64) -> f64 {
        match self.usage {
            Usage::Fixed(x) | Usage::Noisy(x) => x,
            Usage::PerMonth(q) => q / hours_in_month,
        }
    }

    /// The ten measures ([`super::columns::MEASURES`] order) of a row with usage `u`; `amount` is the
    /// day's amount of a [`LineType::has_day_amount`] line (ignored otherwise).
    pub fn measures(&self, u: f64, amount: f64) -> [f64; N_MEASURES] {
        let mut v = [0.0; N_MEASURES];
        v[m::USAGE_AMOUNT] = u;
        match self.line_type {
            LineType::Usage | LineType::SavingsPlanCoveredUsage | LineType::DiscountedUsage => {
                let covered_by_ri = self.line_type == LineType::DiscountedUsage;
                v[m::NORMALIZATION_FACTOR] = self.normalization_factor;
                v[m::NORMALIZED_USAGE_AMOUNT] = u * self.normalization_factor;
                // An RI-covered hour costs nothing unblended; its RI rate shows in the blended cost.
                if !covered_by_ri {
                    v[m::UNBLENDED_RATE] = self.rate;
                    v[m::UNBLENDED_COST] = u * self.rate;
                }
                v[m::BLENDED_RATE] = self.blended_rate;
                v[m::BLENDED_COST] = u * self.blended_rate;
                v[m::PUBLIC_ON_DEMAND_COST] = u * self.public_rate;
                v[m::PUBLIC_ON_DEMAND_RATE] = self.public_rate;
                v[m::SAVINGS_PLAN_EFFECTIVE_COST] = u * self.sp_rate;
            }
            LineType::SavingsPlanNegation => {
                v[m::NORMALIZATION_FACTOR] = self.normalization_factor;
                v[m::NORMALIZED_USAGE_AMOUNT] = u * self.normalization_factor;
                v[m::UNBLENDED_RATE] = self.rate;
                v[m::UNBLENDED_COST] = -(u * self.rate);
                v[m::BLENDED_RATE] = self.blended_rate;
                v[m::BLENDED_COST] = -(u * self.blended_rate);
            }
            LineType::SavingsPlanRecurringFee | LineType::RiFee => {
                v[m::UNBLENDED_RATE] = self.rate;
                v[m::UNBLENDED_COST] = u * self.rate;
                v[m::BLENDED_RATE] = self.rate;
                v[m::BLENDED_COST] = u * self.rate;
                if self.line_type == LineType::SavingsPlanRecurringFee {
                    v[m::SAVINGS_PLAN_EFFECTIVE_COST] = amount;
                }
            }
            LineType::Tax | LineType::Credit | LineType::Fee => {
                v[m::UNBLENDED_COST] = amount;
                v[m::BLENDED_COST] = amount;
            }
        }
        v
    }
}

/// Interned text values (`""` is id 0).
#[derive(Debug, Clone)]
pub struct Texts {
    strings: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Default for Texts {
    fn default() -> Self {
        let mut x = Texts {
            strings: Vec::new(),
            ids: HashMap::new(),
        };
        x.id("");
        x
    }
}

impl Texts {
    pub fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = self.strings.len() as u32;
        self.strings.push(s.to_string());
        self.ids.insert(s.to_string(), i);
        i
    }

    pub fn get(&self, id: u32) -> &str {
        &self.strings[id as usize]
    }
}

/// A usage account of the organisation (index 0 is the payer).
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    /// `reporting_awsaccountalias.account_alias` (the last account has none when there are several).
    pub alias: Option<String>,
    /// The `BusinessUnit` cost category of the account's resources.
    pub business_unit: &'static str,
}

/// The lines billed on one calendar day, in CUR order: the daily lines at 00:00, then hour by hour
/// every active hourly line.
#[derive(Debug, Clone)]
pub struct DayPlan {
    pub date: NaiveDate,
    /// (line, amount) of the daily lines.
    pub daily: Vec<(u32, f64)>,
    /// Hourly lines billed this day, in fleet order.
    pub hourly: Vec<u32>,
    /// The Savings Plan's unused commitment per hour (its recurring fee line's effective cost).
    pub sp_unused: f64,
    pub hours_in_month: f64,
}

impl DayPlan {
    pub fn rows(&self) -> u64 {
        self.daily.len() as u64 + 24 * self.hourly.len() as u64
    }

    /// The line at position `p` of the day's rows: (line, hour or `None` for a daily line, amount).
    pub fn at(&self, p: u64) -> (u32, Option<u32>, f64) {
        let nd = self.daily.len() as u64;
        if p < nd {
            let (l, a) = self.daily[p as usize];
            return (l, None, a);
        }
        let q = p - nd;
        let n = self.hourly.len() as u64;
        let l = self.hourly[(q % n) as usize];
        (l, Some((q / n) as u32), self.sp_unused)
    }
}

/// The organisation's line templates.
#[derive(Debug, Clone)]
pub struct Fleet {
    pub seed: u64,
    pub texts: Texts,
    pub lines: Vec<Line>,
    /// Each line's position in the order of its daily group key (koku's `groupby` sorts by it); keys
    /// are unique per line.
    pub rank: Vec<u32>,
    pub accounts: Vec<Account>,
    /// Index of the account hosting the cluster.
    pub cluster_account: usize,
    /// The Savings Plan's hourly commitment (0 when nothing is covered).
    pub sp_commitment: f64,
    /// Tag keys used (sorted) and whether koku would have them enabled in this dataset.
    pub tag_keys: BTreeMap<String, bool>,
    pub cost_category_keys: Vec<&'static str>,
    /// What the fleet is made of (for `dataset.json`).
    pub inventory: BTreeMap<&'static str, u64>,
}

/// Daily tax rate on an account's cost of a product.
const TAX_RATE: f64 = 0.06;
/// Share of the on-demand rate a Compute Savings Plan charges, and a Reserved Instance.
const SP_SHARE: f64 = 0.72;
const RI_SHARE: f64 = 0.6;

struct Region {
    name: &'static str,
    /// Usage-type prefix (`USW2-BoxUsage:…`; none in us-east-1).
    prefix: &'static str,
    location: &'static str,
    price_factor: f64,
    legal_entity: &'static str,
    zones: [&'static str; 3],
}

const US: &str = "Amazon Web Services, Inc.";
const REGIONS: [Region; 3] = [
    Region {
        name: "us-east-1",
        prefix: "",
        location: "US East (N. Virginia)",
        price_factor: 1.0,
        legal_entity: US,
        zones: ["us-east-1a", "us-east-1b", "us-east-1c"],
    },
    Region {
        name: "us-west-2",
        prefix: "USW2-",
        location: "US West (Oregon)",
        price_factor: 1.0,
        legal_entity: US,
        zones: ["us-west-2a", "us-west-2b", "us-west-2c"],
    },
    Region {
        name: "eu-west-1",
        prefix: "EU-",
        location: "EU (Ireland)",
        price_factor: 1.1,
        legal_entity: "Amazon Web Services EMEA SARL",
        zones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
    },
];

/// EC2 instance types: name, vCPU, memory GiB, Linux on-demand rate in us-east-1 (USD/hour). Holds every
/// node type of the OCP model (checked by a test).
const EC2_TYPES: &[(&str, u32, u32, f64)] = &[
    ("t3.medium", 2, 4, 0.0416),
    ("t3.large", 2, 8, 0.0832),
    ("m5.large", 2, 8, 0.096),
    ("m5.xlarge", 4, 16, 0.192),
    ("m5.2xlarge", 8, 32, 0.384),
    ("m5.4xlarge", 16, 64, 0.768),
    ("m5.8xlarge", 32, 128, 1.536),
    ("r5.large", 2, 16, 0.126),
    ("r5.4xlarge", 16, 128, 1.008),
    ("c5.2xlarge", 8, 16, 0.34),
    ("m6i.2xlarge", 8, 32, 0.384),
];
/// Types of the unrelated instances (indices into [`EC2_TYPES`]).
const EXTRA_TYPES: [usize; 8] = [0, 1, 2, 3, 4, 7, 9, 10];
const RDS_CLASSES: [(&str, u32, u32, f64); 3] = [
    ("db.t3.medium", 2, 4, 0.068),
    ("db.m5.large", 2, 8, 0.171),
    ("db.r5.xlarge", 4, 32, 0.5),
];
/// Application names of tags: the OCP generator's words, so AWS tags and OCP labels share values.
const APPS: &[&str] = crate::model::APP_WORDS;
const BUSINESS_UNITS: [&str; 5] = ["Finance", "Platform", "Data", "Apps", "Sandbox"];
const MARKETPLACE_CODE: &str = "6njl1pau6n5ze1yfqmkd4mcln";
const MARKETPLACE_NAME: &str = "CIS Hardened Image Level 1 on Amazon Linux 2";
const RI_START: &str = "2025-01-01T00:00:00.000Z";
const RI_END: &str = "2026-01-01T00:00:00.000Z";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Os {
    Linux,
    Rhel,
    Windows,
}

impl Os {
    fn name(self) -> &'static str {
        match self {
            Os::Linux => "Linux",
            Os::Rhel => "RHEL",
            Os::Windows => "Windows",
        }
    }
    fn operation(self) -> &'static str {
        match self {
            Os::Linux => "RunInstances",
            Os::Rhel => "RunInstances:0010",
            Os::Windows => "RunInstances:0002",
        }
    }
    /// Hourly rate of the OS on an instance of `vcpu` vCPUs with Linux rate `linux`.
    fn rate(self, linux: f64, vcpu: u32) -> f64 {
        match self {
            Os::Linux => linux,
            Os::Rhel => linux + if vcpu > 4 { 0.13 } else { 0.06 },
            Os::Windows => linux + 0.046 * vcpu as f64,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coverage {
    OnDemand,
    SavingsPlan,
    Reserved,
}

#[derive(Debug, Clone, Copy)]
enum VolumeType {
    Gp2,
    Gp3,
}

#[derive(Debug, Clone, Copy)]
enum Transfer {
    Out,
    In,
    InterZoneOut,
}

/// koku's normalisation factor of an instance size (`large` = 4, `xlarge` = 8, `Nxlarge` = 8N).
fn normalization_factor(instance_type: &str) -> f64 {
    let size = instance_type.rsplit('.').next().unwrap_or("");
    match size {
        "nano" => 0.25,
        "micro" => 0.5,
        "small" => 1.0,
        "medium" => 2.0,
        "large" => 4.0,
        "xlarge" => 8.0,
        s => s
            .strip_suffix("xlarge")
            .and_then(|n| n.parse::<f64>().ok())
            .map_or(0.0, |n| 8.0 * n),
    }
}

/// A price as AWS writes it in descriptions: `$0.192`, `$0.08`, `$0.0225`.
fn price(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0');
    let decimals = s.split('.').nth(1).map_or(0, str::len);
    if decimals < 2 {
        format!("${x:.2}")
    } else {
        format!("${s}")
    }
}

/// Python `json.dumps` of a tag dict with keys in byte order (koku builds it from the CUR columns
/// sorted by name), `{}` when empty.
fn tags_json(pairs: &[(&str, &str)]) -> String {
    let sorted: BTreeMap<&str, &str> = pairs.iter().copied().collect();
    py_json(sorted)
}

fn ec2_type(name: &str) -> (usize, &'static (&'static str, u32, u32, f64)) {
    EC2_TYPES
        .iter()
        .enumerate()
        .find(|(_, x)| x.0 == name)
        .unwrap_or_else(|| panic!("no EC2 price for instance type {name}"))
}

/// Who a line belongs to: account, region, tags, cost categories.
struct Owner<'r> {
    account: usize,
    region: &'r Region,
    tags: String,
    cost_category: String,
}

struct Draft {
    text: [String; N_TEXT],
    line: Line,
}

impl Draft {
    fn set(&mut self, col: usize, v: impl Into<String>) -> &mut Self {
        self.text[col] = v.into();
        self
    }
}

struct Builder<'a> {
    cfg: &'a AwsConfig,
    seed: u64,
    texts: Texts,
    lines: Vec<Line>,
    accounts: Vec<Account>,
    tax_groups: Vec<(usize, &'static str, &'static str)>,
    tax_index: HashMap<(usize, &'static str), u32>,
    /// (account, region, instance type, os) → instances covered.
    reservations: BTreeMap<(usize, usize, usize, Os), u32>,
    sp_covered: f64,
    tag_keys: BTreeSet<String>,
    inventory: BTreeMap<&'static str, u64>,
}

impl<'a> Builder<'a> {
    fn new(cfg: &'a AwsConfig) -> Self {
        let seed = cfg.seed;
        let n = cfg.accounts.max(1) as usize;
        let accounts = (0..n)
            .map(|i| {
                let h = hash(seed, &[T_ACCOUNT, i as u64]);
                // Account ids are text with leading zeros kept; make sure one has one.
                let id = if i == 2 {
                    format!("0{:011}", h % 100_000_000_000)
                } else {
                    format!("{:012}", h % 1_000_000_000_000)
                };
                let business_unit = BUSINESS_UNITS[i % BUSINESS_UNITS.len()];
                let alias = (n == 1 || i + 1 < n)
                    .then(|| format!("koku-gen-{}-{i}", business_unit.to_lowercase()));
                Account {
                    id,
                    alias,
                    business_unit,
                }
            })
            .collect();
        Builder {
            cfg,
            seed,
            texts: Texts::default(),
            lines: Vec::new(),
            accounts,
            tax_groups: Vec::new(),
            tax_index: HashMap::new(),
            reservations: BTreeMap::new(),
            sp_covered: 0.0,
            tag_keys: BTreeSet::new(),
            inventory: BTreeMap::new(),
        }
    }

    fn count(&mut self, what: &'static str) {
        *self.inventory.entry(what).or_default() += 1;
    }

    fn tags(&mut self, pairs: &[(&str, &str)]) -> String {
        for (k, _) in pairs {
            if !self.tag_keys.contains(*k) {
                self.tag_keys.insert(k.to_string());
            }
        }
        tags_json(pairs)
    }

    fn cost_category(&self, account: usize, production: bool) -> String {
        tags_json(&[
            ("BusinessUnit", self.accounts[account].business_unit),
            (
                "Environment",
                if production {
                    "Production"
                } else {
                    "Non-Production"
                },
            ),
        ])
    }

    fn tax_group(&mut self, account: usize, code: &'static str, name: &'static str) -> u32 {
        if let Some(&g) = self.tax_index.get(&(account, code)) {
            return g;
        }
        let g = self.tax_groups.len() as u32;
        self.tax_groups.push((account, code, name));
        self.tax_index.insert((account, code), g);
        g
    }

    /// A line of `owner` with the columns every line shares filled in.
    fn draft(&self, o: &Owner, line_type: LineType, usage: Usage, rate: f64) -> Draft {
        let mut text: [String; N_TEXT] = std::array::from_fn(|_| String::new());
        text[t::BILL_TYPE] = "Anniversary".into();
        text[t::BILLING_ENTITY] = "AWS".into();
        text[t::PAYER_ACCOUNT_ID] = self.accounts[0].id.clone();
        text[t::USAGE_ACCOUNT_ID] = self.accounts[o.account].id.clone();
        text[t::CURRENCY_CODE] = "USD".into();
        text[t::LEGAL_ENTITY] = o.region.legal_entity.into();
        text[t::LINE_ITEM_TYPE] = line_type.as_str().into();
        text[t::REGION] = o.region.name.into();
        text[t::PRICING_TERM] = "OnDemand".into();
        text[t::RESOURCE_TAGS] = o.tags.clone();
        text[t::COST_CATEGORY] = o.cost_category.clone();
        Draft {
            text,
            line: Line {
                text: [0; N_TEXT],
                line_type,
                hourly: true,
                schedule: Schedule::Always,
                usage,
                rate,
                blended_rate: rate,
                public_rate: rate,
                sp_rate: 0.0,
                normalization_factor: 0.0,
                tax_group: None,
            },
        }
    }

    fn push(&mut self, d: Draft) {
        let mut line = d.line;
        for (i, s) in d.text.iter().enumerate() {
            line.text[i] = self.texts.id(s);
        }
        self.lines.push(line);
    }

    fn ec2_tax(&mut self, account: usize) -> Option<u32> {
        Some(self.tax_group(account, "AmazonEC2", "Amazon Elastic Compute Cloud"))
    }

    #[allow(clippy::too_many_arguments)]
    fn instance(
        &mut self,
        o: &Owner,
        zone: &str,
        id: &str,
        instance_type: &str,
        os: Os,
        coverage: Coverage,
        schedule: Schedule,
    ) {
        let (ti, &(name, vcpu, mem, linux)) = ec2_type(instance_type);
        let ri = REGIONS
            .iter()
            .position(|r| r.name == o.region.name)
            .expect("known region");
        let rate = os.rate(linux, vcpu) * o.region.price_factor;
        let sku = hex(
            hash(self.seed, &[T_SKU, ri as u64, ti as u64, os as u64]),
            16,
        )
        .to_uppercase();
        let line_type = match coverage {
            Coverage::OnDemand => LineType::Usage,
            Coverage::SavingsPlan => LineType::SavingsPlanCoveredUsage,
            Coverage::Reserved => LineType::DiscountedUsage,
        };
        let tax_group = self.ec2_tax(o.account);
        let mut d = self.draft(o, line_type, Usage::Fixed(1.0), rate);
        d.set(t::PRODUCT_CODE, "AmazonEC2")
            .set(t::SERVICE_CODE, "AmazonEC2")
            .set(t::PRODUCT_NAME, "Amazon Elastic Compute Cloud")
            .set(t::PRODUCT_FAMILY, "Compute Instance")
            .set(t::USAGE_TYPE, format!("{}BoxUsage:{name}", o.region.prefix))
            .set(t::OPERATION, os.operation())
            .set(t::AVAILABILITY_ZONE, zone)
            .set(t::RESOURCE_ID, id)
            .set(t::PRICING_UNIT, "Hrs")
            .set(t::INSTANCE_TYPE, name)
            .set(t::MEMORY, format!("{mem} GiB"))
            .set(t::VCPU, vcpu.to_string())
            .set(t::OPERATING_SYSTEM, os.name())
            .set(t::SKU, sku.clone())
            .set(
                t::DESCRIPTION,
                format!(
                    "{} per On Demand {} {name} Instance Hour",
                    price(rate),
                    os.name()
                ),
            );
        d.line.schedule = schedule;
        d.line.normalization_factor = normalization_factor(name);
        d.line.tax_group = tax_group;
        match coverage {
            Coverage::OnDemand => self.push(d),
            Coverage::SavingsPlan => {
                d.line.sp_rate = rate * SP_SHARE;
                self.sp_covered += d.line.sp_rate;
                let mut neg = Draft {
                    text: d.text.clone(),
                    line: Line {
                        line_type: LineType::SavingsPlanNegation,
                        public_rate: 0.0,
                        sp_rate: 0.0,
                        ..d.line.clone()
                    },
                };
                neg.set(t::LINE_ITEM_TYPE, LineType::SavingsPlanNegation.as_str())
                    .set(
                        t::DESCRIPTION,
                        format!(
                            "SavingsPlanNegation used by AccountId : {} and UsageSku : {sku}",
                            self.accounts[o.account].id
                        ),
                    );
                self.push(d);
                self.push(neg);
            }
            Coverage::Reserved => {
                let ri_rate = rate * RI_SHARE;
                d.line.blended_rate = ri_rate;
                d.set(t::PRICING_TERM, "Reserved")
                    .set(
                        t::DESCRIPTION,
                        format!(
                            "USD 0.0 per {} (Amazon VPC), {name} reserved instance applied",
                            os.name()
                        ),
                    )
                    .set(t::RES_AMORTIZED_UPFRONT_COST_FOR_USAGE, "0.0")
                    .set(t::RES_RECURRING_FEE_FOR_USAGE, ri_rate.to_string());
                *self
                    .reservations
                    .entry((o.account, ri, ti, os))
                    .or_default() += 1;
                self.push(d);
            }
        }
    }

    fn volume(&mut self, o: &Owner, zone: &str, id: &str, size_gib: f64, vt: VolumeType) {
        let (base, ut, op, what) = match vt {
            VolumeType::Gp2 => (0.10, "gp2", "CreateVolume-Gp2", "General Purpose SSD (gp2)"),
            VolumeType::Gp3 => (0.08, "gp3", "CreateVolume-Gp3", "General Purpose (gp3)"),
        };
        let rate = base * o.region.price_factor;
        let tax_group = self.ec2_tax(o.account);
        let mut d = self.draft(o, LineType::Usage, Usage::PerMonth(size_gib), rate);
        d.set(t::PRODUCT_CODE, "AmazonEC2")
            .set(t::SERVICE_CODE, "AmazonEC2")
            .set(t::PRODUCT_NAME, "Amazon Elastic Compute Cloud")
            .set(t::PRODUCT_FAMILY, "Storage")
            .set(
                t::USAGE_TYPE,
                format!("{}EBS:VolumeUsage.{ut}", o.region.prefix),
            )
            .set(t::OPERATION, op)
            .set(t::AVAILABILITY_ZONE, zone)
            .set(t::RESOURCE_ID, id)
            .set(t::PRICING_UNIT, "GB-Mo")
            .set(
                t::DESCRIPTION,
                format!(
                    "{} per GB-month of {what} provisioned storage - {}",
                    price(rate),
                    o.region.location
                ),
            );
        d.line.tax_group = tax_group;
        self.push(d);
    }

    fn data_transfer(&mut self, o: &Owner, id: &str, kind: Transfer, mean_gb: f64, s: Schedule) {
        let (ut, op, rate, desc) = match kind {
            Transfer::Out => (
                "DataTransfer-Out-Bytes",
                "RunInstances",
                0.09,
                "$0.09 per GB - first 10 TB / month data transfer out beyond the global free tier",
            ),
            Transfer::In => (
                "DataTransfer-In-Bytes",
                "RunInstances",
                0.0,
                "$0.00 per GB - data transfer in per month",
            ),
            Transfer::InterZoneOut => (
                "DataTransfer-Regional-Bytes",
                "InterZone-Out",
                0.01,
                "$0.01 per GB - regional data transfer - in/out/between EC2 AZs or using elastic IPs or ELB",
            ),
        };
        let tax_group = self.ec2_tax(o.account);
        let mut d = self.draft(o, LineType::Usage, Usage::Noisy(mean_gb), rate);
        d.set(t::PRODUCT_CODE, "AmazonEC2")
            .set(t::SERVICE_CODE, "AWSDataTransfer")
            .set(t::PRODUCT_NAME, "Amazon Elastic Compute Cloud")
            .set(t::PRODUCT_FAMILY, "Data Transfer")
            .set(t::USAGE_TYPE, format!("{}{ut}", o.region.prefix))
            .set(t::OPERATION, op)
            .set(t::RESOURCE_ID, id)
            .set(t::PRICING_UNIT, "GB")
            .set(t::DESCRIPTION, desc);
        d.line.schedule = s;
        d.line.tax_group = tax_group;
        self.push(d);
    }

    fn software(&mut self, o: &Owner, id: &str, instance_type: &str, s: Schedule) {
        let mut d = self.draft(o, LineType::Usage, Usage::Fixed(1.0), 0.02);
        d.set(t::BILLING_ENTITY, "AWS Marketplace")
            .set(t::LEGAL_ENTITY, "Center for Internet Security, Inc.")
            .set(t::PRODUCT_CODE, MARKETPLACE_CODE)
            .set(t::SERVICE_CODE, MARKETPLACE_CODE)
            .set(t::PRODUCT_NAME, MARKETPLACE_NAME)
            .set(
                t::USAGE_TYPE,
                format!("{}SoftwareUsage:{instance_type}", o.region.prefix),
            )
            .set(t::OPERATION, "Hourly")
            .set(t::RESOURCE_ID, id)
            .set(t::PRICING_UNIT, "Hrs")
            .set(t::INSTANCE_TYPE, instance_type)
            .set(
                t::DESCRIPTION,
                format!("$0.02 per hour for software usage on {instance_type}"),
            );
        d.line.schedule = s;
        self.push(d);
    }

    fn bucket(&mut self, o: &Owner, name: &str, size_gb: f64, requests_per_hour: f64) {
        let tax_group =
            Some(self.tax_group(o.account, "AmazonS3", "Amazon Simple Storage Service"));
        let rate = 0.023 * o.region.price_factor;
        let mut d = self.draft(o, LineType::Usage, Usage::PerMonth(size_gb), rate);
        d.set(t::PRODUCT_CODE, "AmazonS3")
            .set(t::SERVICE_CODE, "AmazonS3")
            .set(t::PRODUCT_NAME, "Amazon Simple Storage Service")
            .set(t::PRODUCT_FAMILY, "Storage")
            .set(
                t::USAGE_TYPE,
                format!("{}TimedStorage-ByteHrs", o.region.prefix),
            )
            .set(t::OPERATION, "StandardStorage")
            .set(t::RESOURCE_ID, name)
            .set(t::PRICING_UNIT, "GB-Mo")
            .set(
                t::DESCRIPTION,
                format!(
                    "{} per GB - first 50 TB / month of storage used",
                    price(rate)
                ),
            );
        d.line.tax_group = tax_group;
        self.push(d);
        let mut d = self.draft(
            o,
            LineType::Usage,
            Usage::Noisy(requests_per_hour),
            0.000005,
        );
        d.set(t::PRODUCT_CODE, "AmazonS3")
            .set(t::SERVICE_CODE, "AmazonS3")
            .set(t::PRODUCT_NAME, "Amazon Simple Storage Service")
            .set(t::PRODUCT_FAMILY, "API Request")
            .set(t::USAGE_TYPE, format!("{}Requests-Tier1", o.region.prefix))
            .set(t::OPERATION, "PutObject")
            .set(t::RESOURCE_ID, name)
            .set(t::PRICING_UNIT, "Requests")
            .set(
                t::DESCRIPTION,
                "$0.005 per 1,000 PUT, COPY, POST, or LIST requests",
            );
        d.line.tax_group = tax_group;
        self.push(d);
    }

    fn database(
        &mut self,
        o: &Owner,
        zone: &str,
        arn: &str,
        class: usize,
        multi_az: bool,
        gb: f64,
    ) {
        let (name, vcpu, mem, base) = RDS_CLASSES[class];
        let factor = if multi_az { 2.0 } else { 1.0 };
        let tax_group =
            Some(self.tax_group(o.account, "AmazonRDS", "Amazon Relational Database Service"));
        let rate = base * factor * o.region.price_factor;
        let deployment = if multi_az { "Multi-AZ" } else { "Single-AZ" };
        let mut d = self.draft(o, LineType::Usage, Usage::Fixed(1.0), rate);
        d.set(t::PRODUCT_CODE, "AmazonRDS")
            .set(t::SERVICE_CODE, "AmazonRDS")
            .set(t::PRODUCT_NAME, "Amazon Relational Database Service")
            .set(t::PRODUCT_FAMILY, "Database Instance")
            .set(
                t::USAGE_TYPE,
                format!(
                    "{}{}:{name}",
                    o.region.prefix,
                    if multi_az {
                        "Multi-AZUsage"
                    } else {
                        "InstanceUsage"
                    }
                ),
            )
            .set(t::OPERATION, "CreateDBInstance:0002")
            .set(t::AVAILABILITY_ZONE, zone)
            .set(t::RESOURCE_ID, arn)
            .set(t::PRICING_UNIT, "Hrs")
            .set(t::INSTANCE_TYPE, name)
            .set(t::VCPU, vcpu.to_string())
            .set(t::MEMORY, format!("{mem} GiB"))
            .set(
                t::DESCRIPTION,
                format!(
                    "{} per RDS {name} {deployment} instance hour (or partial hour) running MySQL",
                    price(rate)
                ),
            );
        d.line.tax_group = tax_group;
        self.push(d);
        let rate = 0.115 * factor * o.region.price_factor;
        let mut d = self.draft(o, LineType::Usage, Usage::PerMonth(gb), rate);
        d.set(t::PRODUCT_CODE, "AmazonRDS")
            .set(t::SERVICE_CODE, "AmazonRDS")
            .set(t::PRODUCT_NAME, "Amazon Relational Database Service")
            .set(t::PRODUCT_FAMILY, "Database Storage")
            .set(
                t::USAGE_TYPE,
                format!(
                    "{}RDS:{}GP2-Storage",
                    o.region.prefix,
                    if multi_az { "Multi-AZ-" } else { "" }
                ),
            )
            .set(t::OPERATION, "CreateDBInstance:0002")
            .set(t::AVAILABILITY_ZONE, zone)
            .set(t::RESOURCE_ID, arn)
            .set(t::PRICING_UNIT, "GB-Mo")
            .set(
                t::DESCRIPTION,
                format!(
                    "{} per GB-month of provisioned gp2 storage running MySQL",
                    price(rate)
                ),
            );
        d.line.tax_group = tax_group;
        self.push(d);
    }

    fn load_balancer(&mut self, o: &Owner, arn: &str, network: bool) {
        let tax_group = Some(self.tax_group(o.account, "AWSELB", "Elastic Load Balancing"));
        let kind = if network { "Network" } else { "Application" };
        let mut d = self.draft(o, LineType::Usage, Usage::Fixed(1.0), 0.0225);
        d.set(t::PRODUCT_CODE, "AWSELB")
            .set(t::SERVICE_CODE, "AWSELB")
            .set(t::PRODUCT_NAME, "Elastic Load Balancing")
            .set(t::PRODUCT_FAMILY, format!("Load Balancer-{kind}"))
            .set(
                t::USAGE_TYPE,
                format!("{}LoadBalancerUsage", o.region.prefix),
            )
            .set(t::OPERATION, format!("LoadBalancing:{kind}"))
            .set(t::RESOURCE_ID, arn)
            .set(t::PRICING_UNIT, "Hrs")
            .set(
                t::DESCRIPTION,
                format!("$0.0225 per {kind} LoadBalancer-hour (or partial hour)"),
            );
        d.line.tax_group = tax_group;
        self.push(d);
    }

    /// The OpenShift cluster of the OCP generator.
    fn cluster(&mut self, c: &Cluster, cluster_account: usize) {
        let seed = self.seed;
        let cid = self.cfg.cluster_id.clone();
        let region = REGIONS
            .iter()
            .find(|r| r.name == REGION)
            .expect("the cluster's region is priced");
        let owned = format!("kubernetes.io/cluster/{cid}");
        let account_id = self.accounts[cluster_account].id.clone();
        for (i, node) in c.nodes.iter().enumerate() {
            let name_tag = format!("{cid}-{}", node.name);
            let tags = self.tags(&[
                ("Name", name_tag.as_str()),
                (owned.as_str(), "owned"),
                ("openshift_cluster", cid.as_str()),
                ("openshift_node", node.name.as_str()),
            ]);
            let o = Owner {
                account: cluster_account,
                region,
                tags,
                cost_category: self.cost_category(cluster_account, true),
            };
            let coverage = match node.role {
                "master" => Coverage::Reserved,
                "worker" if hash(seed, &[T_NODE_COVER, i as u64]).is_multiple_of(3) => {
                    Coverage::SavingsPlan
                }
                _ => Coverage::OnDemand,
            };
            self.instance(
                &o,
                node.zone,
                &node.resource_id,
                node.instance_type,
                Os::Linux,
                coverage,
                Schedule::Always,
            );
            self.count("cluster_instances");
            let root = format!("vol-{}", hex(hash(seed, &[T_NODE_VOLUME, i as u64]), 17));
            let size = if node.role == "master" { 120.0 } else { 128.0 };
            self.volume(&o, node.zone, &root, size, VolumeType::Gp3);
            self.count("cluster_root_volumes");
            for (kind, mean) in [
                (Transfer::Out, 0.5),
                (Transfer::In, 2.0),
                (Transfer::InterZoneOut, 1.0),
            ] {
                self.data_transfer(&o, &node.resource_id, kind, mean, Schedule::Always);
            }
        }
        let mut cephfs = false;
        for v in &c.volumes {
            match v.csi_driver {
                "ebs.csi.aws.com" => {
                    let tags = self.tags(&[
                        (owned.as_str(), "owned"),
                        ("openshift_cluster", cid.as_str()),
                        ("openshift_project", v.namespace.as_str()),
                    ]);
                    let o = Owner {
                        account: cluster_account,
                        region,
                        tags,
                        cost_category: self.cost_category(cluster_account, true),
                    };
                    self.volume(
                        &o,
                        v.zone,
                        &v.csi_volume_handle,
                        (v.capacity_bytes / GIB).round(),
                        VolumeType::Gp3,
                    );
                    self.count("cluster_pv_volumes");
                }
                "" => {}
                _ => cephfs = true,
            }
        }
        let tags = self.tags(&[
            (owned.as_str(), "owned"),
            ("openshift_cluster", cid.as_str()),
            ("openshift_project", "openshift-storage"),
        ]);
        let storage = Owner {
            account: cluster_account,
            region,
            tags,
            cost_category: self.cost_category(cluster_account, true),
        };
        if cephfs {
            // ODF: the CephFS volumes live on three OSD disks, one per zone.
            for (k, zone) in region.zones.iter().enumerate() {
                let id = format!("vol-{}", hex(hash(seed, &[T_OSD, k as u64]), 17));
                self.volume(&storage, zone, &id, 2048.0, VolumeType::Gp3);
                self.count("cluster_odf_volumes");
            }
        }
        let tags = self.tags(&[
            (owned.as_str(), "owned"),
            ("openshift_cluster", cid.as_str()),
        ]);
        let net = Owner {
            account: cluster_account,
            region,
            tags,
            cost_category: self.cost_category(cluster_account, true),
        };
        for (k, lb) in ["int", "ext"].iter().enumerate() {
            let arn = format!(
                "arn:aws:elasticloadbalancing:{}:{account_id}:loadbalancer/net/{cid}-{lb}/{}",
                region.name,
                hex(hash(seed, &[T_ELB, 0, k as u64]), 16)
            );
            self.load_balancer(&net, &arn, true);
            self.count("cluster_load_balancers");
        }
    }

    /// The unrelated workload of the organisation (see the module documentation).
    fn extra(&mut self, c: &Cluster, n: u32) {
        let seed = self.seed;
        let n_accounts = self.accounts.len() as u64;
        let label_values = self.cfg.label_values.max(1) as u64;
        // Application namespaces of the cluster (some AWS resources carry `openshift_project` tags).
        let app_namespaces: Vec<&str> = c
            .namespaces
            .iter()
            .map(|n| n.name.as_str())
            .filter(|n| !n.starts_with("openshift-") && !n.starts_with("kube-"))
            .collect();
        for k in 0..n as u64 {
            let h = hash(seed, &[T_EC2, k]);
            let account = (h % n_accounts) as usize;
            let region = match (h >> 8) % 20 {
                0..12 => &REGIONS[0],
                12..17 => &REGIONS[1],
                _ => &REGIONS[2],
            };
            let zone = region.zones[((h >> 16) % 3) as usize];
            let app = APPS[((h >> 20) % APPS.len() as u64) as usize];
            let env = match (h >> 24) % 10 {
                0..4 => "prod",
                4..6 => "staging",
                6..9 => "dev",
                _ => "test",
            };
            let cost_center = format!("cc{:02}", (h >> 28) % 12);
            let (type_name, ..) =
                EC2_TYPES[EXTRA_TYPES[((h >> 32) % EXTRA_TYPES.len() as u64) as usize]];
            let os = match (h >> 36) % 20 {
                0 => Os::Windows,
                1 | 2 => Os::Rhel,
                _ => Os::Linux,
            };
            let production = matches!(env, "prod" | "staging");
            let coverage = match ((h >> 40) % 20, production) {
                (0..7, true) => Coverage::SavingsPlan,
                (7..11, true) => Coverage::Reserved,
                _ => Coverage::OnDemand,
            };
            let schedule = match env {
                "dev" => Schedule::Weekdays,
                "test" => Schedule::ThreeWeeksInFour(k),
                _ => Schedule::Always,
            };
            let name_tag = format!("{app}-{env}");
            let tags = self.tags(&[
                ("Name", name_tag.as_str()),
                ("app", app),
                ("cost_center", cost_center.as_str()),
                ("environment", env),
            ]);
            let o = Owner {
                account,
                region,
                tags,
                cost_category: self.cost_category(account, env == "prod"),
            };
            let id = format!("i-{}", hex(hash(seed, &[T_EC2, k, 1]), 17));
            self.instance(&o, zone, &id, type_name, os, coverage, schedule);
            self.count("extra_instances");
            let root = format!("vol-{}", hex(hash(seed, &[T_ROOT_VOLUME, k]), 17));
            let size = [8.0, 20.0, 30.0, 50.0, 100.0][((h >> 44) % 5) as usize];
            let vt = if (h >> 47) & 1 == 0 {
                VolumeType::Gp3
            } else {
                VolumeType::Gp2
            };
            self.volume(&o, zone, &root, size, vt);
            self.count("extra_volumes");
            if k % 4 == 0 {
                self.data_transfer(&o, &id, Transfer::Out, 0.2, schedule);
            }
            if k % 20 == 1 {
                self.software(&o, &id, type_name, schedule);
                self.count("marketplace_subscriptions");
            }
            let j = k / 20;
            if k % 20 == 2 {
                // A third of the buckets tagged with an OCP label value (generic tag matching), a fifth
                // with a cluster project.
                let hb = hash(seed, &[T_BUCKET, j]);
                let app_tag = if j.is_multiple_of(3) {
                    format!("svc{}", hb % label_values)
                } else {
                    app.to_string()
                };
                let mut pairs: Vec<(&str, &str)> =
                    vec![("app", app_tag.as_str()), ("environment", env)];
                if j % 5 == 1 && !app_namespaces.is_empty() {
                    pairs.push((
                        "openshift_project",
                        app_namespaces[((hb >> 8) % app_namespaces.len() as u64) as usize],
                    ));
                }
                let tags = self.tags(&pairs);
                let bo = Owner {
                    account,
                    region,
                    tags,
                    cost_category: if j.is_multiple_of(4) {
                        "{}".into()
                    } else {
                        self.cost_category(account, env == "prod")
                    },
                };
                let name = format!("koku-gen-{app}-{env}-{}-{j}", self.accounts[account].id);
                let size = [50.0, 200.0, 1000.0, 5000.0, 20000.0][((hb >> 16) % 5) as usize];
                self.bucket(&bo, &name, size, 2000.0);
                self.count("s3_buckets");
            }
            let j = k / 50;
            if k % 50 == 3 {
                let arn = format!(
                    "arn:aws:rds:{}:{}:db:{app}-{env}-{j}",
                    region.name, self.accounts[account].id
                );
                self.database(
                    &o,
                    zone,
                    &arn,
                    ((h >> 48) % 3) as usize,
                    production,
                    [100.0, 250.0, 1000.0][((h >> 50) % 3) as usize],
                );
                self.count("rds_databases");
            }
            let j = k / 100;
            if k % 100 == 4 {
                let arn = format!(
                    "arn:aws:elasticloadbalancing:{}:{}:loadbalancer/app/{app}-{env}/{}",
                    region.name,
                    self.accounts[account].id,
                    hex(hash(seed, &[T_ELB, 1, j]), 16)
                );
                self.load_balancer(&o, &arn, false);
                self.count("extra_load_balancers");
            }
        }
    }

    /// The organisation-level lines: Savings Plan fee, RI fees, tax, credit, support fee.
    fn finish(mut self) -> Fleet {
        let payer = Owner {
            account: 0,
            region: &REGIONS[0],
            tags: "{}".into(),
            cost_category: "{}".into(),
        };
        // The plan is sized to the covered hours (2% above, so a little commitment goes unused).
        let sp_commitment = (self.sp_covered * 1.02 * 1000.0).ceil() / 1000.0;
        if sp_commitment > 0.0 {
            let arn = format!(
                "arn:aws:savingsplans::{}:savingsplan/{}",
                self.accounts[0].id,
                uuid::Builder::from_random_bytes(
                    (hash(self.seed, &[T_SP, 0]) as u128
                        | ((hash(self.seed, &[T_SP, 1]) as u128) << 64))
                        .to_le_bytes()
                )
                .into_uuid()
            );
            let mut d = self.draft(
                &payer,
                LineType::SavingsPlanRecurringFee,
                Usage::Fixed(1.0),
                sp_commitment,
            );
            d.set(t::REGION, "")
                .set(t::PRICING_TERM, "")
                .set(t::PRODUCT_CODE, "ComputeSavingsPlans")
                .set(t::SERVICE_CODE, "ComputeSavingsPlans")
                .set(t::PRODUCT_NAME, "Savings Plans for AWS Compute usage")
                .set(t::USAGE_TYPE, "ComputeSP:1yrNoUpfront")
                .set(t::RESOURCE_ID, arn)
                .set(t::DESCRIPTION, "1 year No Upfront Compute Savings Plan");
            d.line.public_rate = 0.0;
            self.push(d);
            self.count("savings_plans");
        }
        let reservations = std::mem::take(&mut self.reservations);
        for ((account, ri, ti, os), units) in reservations {
            let region = &REGIONS[ri];
            let (name, vcpu, _, linux) = EC2_TYPES[ti];
            let rate = os.rate(linux, vcpu) * region.price_factor * RI_SHARE;
            let o = Owner {
                account,
                region,
                tags: "{}".into(),
                cost_category: self.cost_category(account, true),
            };
            let tax_group = self.ec2_tax(account);
            let mut d = self.draft(&o, LineType::RiFee, Usage::Fixed(24.0 * units as f64), rate);
            d.set(t::PRODUCT_CODE, "AmazonEC2")
                .set(t::SERVICE_CODE, "AmazonEC2")
                .set(t::PRODUCT_NAME, "Amazon Elastic Compute Cloud")
                .set(t::PRODUCT_FAMILY, "Compute Instance")
                .set(t::USAGE_TYPE, format!("{}HeavyUsage:{name}", region.prefix))
                .set(t::OPERATION, os.operation())
                .set(t::PRICING_UNIT, "Hrs")
                .set(t::PRICING_TERM, "Reserved")
                .set(t::INSTANCE_TYPE, name)
                .set(
                    t::DESCRIPTION,
                    format!(
                        "USD {rate:.4} hourly fee per {} (Amazon VPC), {name} instance",
                        os.name()
                    ),
                )
                .set(t::RES_AMORTIZED_UPFRONT_FEE_FOR_PERIOD, "0.0")
                .set(t::RES_NUMBER_OF_RESERVATIONS, "1")
                .set(t::RES_UNITS_PER_RESERVATION, units.to_string())
                .set(t::RES_START_TIME, RI_START)
                .set(t::RES_END_TIME, RI_END)
                .set(t::RES_UNUSED_QUANTITY, "0.0")
                .set(t::RES_UNUSED_RECURRING_FEE, "0.0");
            d.line.hourly = false;
            d.line.public_rate = 0.0;
            d.line.tax_group = tax_group;
            self.push(d);
            self.count("reservations");
        }
        let tax_groups = std::mem::take(&mut self.tax_groups);
        for (g, &(account, code, name)) in tax_groups.iter().enumerate() {
            let o = Owner {
                account,
                region: &REGIONS[0],
                tags: "{}".into(),
                cost_category: tags_json(&[("BusinessUnit", self.accounts[account].business_unit)]),
            };
            let mut d = self.draft(&o, LineType::Tax, Usage::Fixed(1.0), 0.0);
            d.set(t::REGION, "")
                .set(t::PRICING_TERM, "")
                .set(t::PRODUCT_CODE, code)
                .set(t::SERVICE_CODE, code)
                .set(t::PRODUCT_NAME, name)
                .set(t::TAX_TYPE, "Sales Tax")
                .set(t::DESCRIPTION, format!("Tax for product code {code}"));
            d.line.hourly = false;
            // A tax line's group is the one it taxes.
            d.line.tax_group = Some(g as u32);
            self.push(d);
        }
        for (line_type, code, name, desc) in [
            (
                LineType::Credit,
                "AmazonEC2",
                "Amazon Elastic Compute Cloud",
                "AWS Promotional Credit",
            ),
            (
                LineType::Fee,
                "AWSSupportBusiness",
                "AWS Support (Business)",
                "AWS Support (Business) fee",
            ),
        ] {
            let mut d = self.draft(&payer, line_type, Usage::Fixed(1.0), 0.0);
            d.set(t::REGION, "")
                .set(t::PRICING_TERM, "")
                .set(t::PRODUCT_CODE, code)
                .set(t::SERVICE_CODE, code)
                .set(t::PRODUCT_NAME, name)
                .set(t::DESCRIPTION, desc);
            d.line.hourly = false;
            self.push(d);
        }

        // koku sorts the daily rows by the group key; rank every line once. Two lines with the same
        // key would merge into one daily row, so the model must not produce them.
        let texts = &self.texts;
        let key = |l: &Line| -> Vec<&str> {
            super::columns::DAILY_KEY
                .iter()
                .map(|&c| texts.get(l.text[c]))
                .collect()
        };
        let mut order: Vec<u32> = (0..self.lines.len() as u32).collect();
        order.sort_by(|&a, &b| key(&self.lines[a as usize]).cmp(&key(&self.lines[b as usize])));
        for w in order.windows(2) {
            assert_ne!(
                key(&self.lines[w[0] as usize]),
                key(&self.lines[w[1] as usize]),
                "two line templates share a daily group key"
            );
        }
        let mut rank = vec![0u32; self.lines.len()];
        for (r, &i) in order.iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        const ENABLED: [&str; 5] = [
            "app",
            "environment",
            "openshift_cluster",
            "openshift_node",
            "openshift_project",
        ];
        let tag_keys = self
            .tag_keys
            .iter()
            .map(|k| (k.clone(), ENABLED.contains(&k.as_str())))
            .collect();
        let hourly = self.lines.iter().filter(|l| l.hourly).count() as u64;
        self.inventory.insert("hourly_line_templates", hourly);
        self.inventory
            .insert("daily_line_templates", self.lines.len() as u64 - hourly);
        let cluster_account = self.cluster_account();
        Fleet {
            seed: self.seed,
            texts: self.texts,
            lines: self.lines,
            rank,
            accounts: self.accounts,
            cluster_account,
            sp_commitment,
            tag_keys,
            cost_category_keys: vec!["BusinessUnit", "Environment"],
            inventory: self.inventory,
        }
    }

    fn cluster_account(&self) -> usize {
        if self.accounts.len() > 1 { 1 } else { 0 }
    }
}

impl Fleet {
    pub fn build(cfg: &AwsConfig, cluster: &Cluster) -> Fleet {
        let mut b = Builder::new(cfg);
        let ca = b.cluster_account();
        b.cluster(cluster, ca);
        b.extra(cluster, cfg.extra_instances);
        b.finish()
    }

    pub fn text(&self, line: u32, col: usize) -> &str {
        self.texts.get(self.lines[line as usize].text[col])
    }

    /// The lines billed on `date` and the day's amounts.
    pub fn plan(&self, date: NaiveDate) -> DayPlan {
        let hours_in_month = crate::aws::days_in_month(date) as f64 * 24.0;
        let mut hourly = Vec::new();
        let n_groups = self
            .lines
            .iter()
            .filter_map(|l| l.tax_group)
            .max()
            .map_or(0, |g| g as usize + 1);
        let mut tax_base = vec![0.0; n_groups];
        let mut total = 0.0;
        let mut sp_used = 0.0;
        let mut add = |l: &Line, cost: f64, tax_base: &mut Vec<f64>| {
            total += cost;
            if let Some(g) = l.tax_group {
                tax_base[g as usize] += cost;
            }
        };
        for (i, l) in self.lines.iter().enumerate() {
            if !l.hourly || !l.schedule.active(self.seed, date) {
                continue;
            }
            hourly.push(i as u32);
            let u = l.nominal_usage(hours_in_month);
            add(
                l,
                24.0 * l.measures(u, 0.0)[m::UNBLENDED_COST],
                &mut tax_base,
            );
            if l.line_type == LineType::SavingsPlanCoveredUsage {
                sp_used += l.sp_rate * u;
            }
        }
        for l in self.lines.iter().filter(|l| l.line_type == LineType::RiFee) {
            add(
                l,
                l.measures(l.nominal_usage(hours_in_month), 0.0)[m::UNBLENDED_COST],
                &mut tax_base,
            );
        }
        let mut daily = Vec::new();
        for (i, l) in self.lines.iter().enumerate() {
            if l.hourly {
                continue;
            }
            let amount = match l.line_type {
                LineType::RiFee => 0.0,
                LineType::Tax => {
                    let base = tax_base[l.tax_group.expect("a tax line has its group") as usize];
                    if base <= 0.0 {
                        continue;
                    }
                    TAX_RATE * base
                }
                LineType::Credit => -(0.01 * total).min(100.0),
                LineType::Fee => 0.03 * total,
                other => unreachable!("{other:?} is not a daily line"),
            };
            if l.line_type.has_day_amount() && amount == 0.0 {
                continue;
            }
            daily.push((i as u32, amount));
        }
        DayPlan {
            date,
            daily,
            hourly,
            sp_unused: self.sp_commitment - sp_used,
            hours_in_month,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_node_type_is_priced_and_factors_are_kokus() {
        for (name, ..) in crate::model::INSTANCE_TYPES {
            ec2_type(name);
        }
        assert_eq!(normalization_factor("m5.xlarge"), 8.0);
        assert_eq!(normalization_factor("m5.4xlarge"), 32.0);
        assert_eq!(normalization_factor("t3.medium"), 2.0);
        assert_eq!(normalization_factor("db.m5.large"), 4.0);
        assert_eq!(price(0.192), "$0.192");
        assert_eq!(price(0.08), "$0.08");
        assert_eq!(price(0.0225), "$0.0225");
        assert_eq!(price(0.1), "$0.10");
    }

    #[test]
    fn tags_are_sorted_python_json() {
        assert_eq!(
            tags_json(&[("openshift_node", "n"), ("Name", "x"), ("app", "a")]),
            r#"{"Name": "x", "app": "a", "openshift_node": "n"}"#
        );
        assert_eq!(tags_json(&[]), "{}");
    }

    #[test]
    fn schedules_follow_the_calendar() {
        let sat = NaiveDate::from_ymd_opt(2025, 10, 4).unwrap();
        let mon = NaiveDate::from_ymd_opt(2025, 10, 6).unwrap();
        assert!(!Schedule::Weekdays.active(1, sat));
        assert!(Schedule::Weekdays.active(1, mon));
        // Three weeks in four on average over many salts.
        let on = (0..1000)
            .filter(|&s| Schedule::ThreeWeeksInFour(s).active(1, mon))
            .count();
        assert!((700..800).contains(&on), "{on}");
    }
}
