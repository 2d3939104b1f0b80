//! The measures koku's AWS daily summary and EC2 compute summary aggregate alike (DS:97-124,
//! EC2:122-168): sums and maxes of the CUR's doubles with SQL NULL semantics, the Savings Plan rules of
//! `usage_amount` and `calculated_amortized_cost`, and the markups on the unrounded sums (DS:78-81,
//! EC2:100-107). The one difference between the two statements is how they sum unblended and blended
//! cost ([`CostTerms`]). Both output datasets hold these columns in the same order.

use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, StringArray};

use super::inputs::{CurColumns, num, text};
use crate::core::sum::{max_opt, sum_opt};

/// The line item types whose amortized cost is their Savings Plan effective cost (DS:113-122).
pub fn amortizes_savings_plan(line_item_type: Option<&str>) -> bool {
    matches!(
        line_item_type,
        Some(
            "SavingsPlanCoveredUsage"
                | "SavingsPlanNegation"
                | "SavingsPlanUpfrontFee"
                | "SavingsPlanRecurringFee"
        )
    )
}

/// `CASE WHEN lineitem_lineitemtype = 'SavingsPlanNegation' THEN 0.0 ELSE lineitem_usageamount END`
/// (COST-5369: the negation's usage would count the covered hours twice).
pub fn usage_term(line_item_type: Option<&str>, usage: Option<f64>) -> Option<f64> {
    if line_item_type == Some("SavingsPlanNegation") {
        Some(0.0)
    } else {
        usage
    }
}

/// How a statement sums `lineitem_unblendedcost` and `lineitem_blendedcost`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostTerms {
    /// As billed: covered usage, negation and fees net out (the daily summary, spec §4.4).
    AsBilled,
    /// `CASE WHEN lineitem_lineitemtype = 'SavingsPlanCoveredUsage' THEN 0.0 ELSE cost END`
    /// (EC2:137-155), while the negation is still added: koku's double subtraction (spec §10.2).
    CoveredUsageZeroed,
}

impl CostTerms {
    fn term(self, line_item_type: Option<&str>, cost: Option<f64>) -> Option<f64> {
        match self {
            CostTerms::CoveredUsageZeroed if line_item_type == Some("SavingsPlanCoveredUsage") => {
                Some(0.0)
            }
            _ => cost,
        }
    }
}

/// The aggregated measures of a group (daily summary) or an instance (EC2).
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Measures {
    pub usage_amount: Option<f64>,
    pub normalization_factor: Option<f64>,
    pub normalized_usage_amount: Option<f64>,
    pub unblended_rate: Option<f64>,
    pub unblended_cost: Option<f64>,
    pub blended_rate: Option<f64>,
    pub blended_cost: Option<f64>,
    pub savingsplan_effective_cost: Option<f64>,
    pub calculated_amortized_cost: Option<f64>,
    pub public_on_demand_cost: Option<f64>,
    pub public_on_demand_rate: Option<f64>,
}

impl Measures {
    /// Add row `i`.
    pub fn add(&mut self, c: &CurColumns<'_>, i: usize, terms: CostTerms) {
        let line_item_type = text(c.line_item_type, i);
        let unblended = num(c.unblended_cost, i);
        let savings_plan = num(c.savingsplan_effective_cost, i);
        self.usage_amount = sum_opt(
            self.usage_amount,
            usage_term(line_item_type, num(c.usage_amount, i)),
        );
        self.normalization_factor =
            max_opt(self.normalization_factor, num(c.normalization_factor, i));
        self.normalized_usage_amount = sum_opt(
            self.normalized_usage_amount,
            num(c.normalized_usage_amount, i),
        );
        self.unblended_rate = max_opt(self.unblended_rate, num(c.unblended_rate, i));
        self.unblended_cost = sum_opt(self.unblended_cost, terms.term(line_item_type, unblended));
        self.blended_rate = max_opt(self.blended_rate, num(c.blended_rate, i));
        self.blended_cost = sum_opt(
            self.blended_cost,
            terms.term(line_item_type, num(c.blended_cost, i)),
        );
        self.savingsplan_effective_cost = sum_opt(self.savingsplan_effective_cost, savings_plan);
        // The amortized cost of a covered line is its effective cost in both statements; the raw
        // unblended cost otherwise (not the EC2 statement's zeroed term).
        self.calculated_amortized_cost = sum_opt(
            self.calculated_amortized_cost,
            if amortizes_savings_plan(line_item_type) {
                savings_plan
            } else {
                unblended
            },
        );
        self.public_on_demand_cost =
            sum_opt(self.public_on_demand_cost, num(c.public_on_demand_cost, i));
        self.public_on_demand_rate =
            max_opt(self.public_on_demand_rate, num(c.public_on_demand_rate, i));
    }
}

/// The measures of an output row with their markups: the unrounded f64 sum × m (the load rounds
/// `markup_cost` to 9 places, the blended and Savings Plan markups to 15, as koku's casts do).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Costs {
    pub measures: Measures,
    pub markup_cost: Option<f64>,
    pub markup_cost_blended: Option<f64>,
    pub markup_cost_savingsplan: Option<f64>,
    pub markup_cost_amortized: Option<f64>,
}

impl Costs {
    pub fn new(measures: Measures, markup: f64) -> Costs {
        let times = |x: Option<f64>| x.map(|v| v * markup);
        Costs {
            measures,
            markup_cost: times(measures.unblended_cost),
            markup_cost_blended: times(measures.blended_cost),
            markup_cost_savingsplan: times(measures.savingsplan_effective_cost),
            markup_cost_amortized: times(measures.calculated_amortized_cost),
        }
    }
}

/// The output columns from `usage_amount` to `public_on_demand_rate` (with `currency_code` in its
/// place), in the order both datasets declare them.
pub fn columns<R>(
    rows: &[R],
    costs: impl Fn(&R) -> &Costs,
    currency: impl Fn(&R) -> &str,
) -> Vec<ArrayRef> {
    let float = |f: &dyn Fn(&Costs) -> Option<f64>| -> ArrayRef {
        Arc::new(rows.iter().map(|r| f(costs(r))).collect::<Float64Array>())
    };
    vec![
        float(&|c| c.measures.usage_amount),
        float(&|c| c.measures.normalization_factor),
        float(&|c| c.measures.normalized_usage_amount),
        Arc::new(
            rows.iter()
                .map(|r| Some(currency(r)))
                .collect::<StringArray>(),
        ),
        float(&|c| c.measures.unblended_rate),
        float(&|c| c.measures.unblended_cost),
        float(&|c| c.markup_cost),
        float(&|c| c.measures.blended_rate),
        float(&|c| c.measures.blended_cost),
        float(&|c| c.markup_cost_blended),
        float(&|c| c.measures.savingsplan_effective_cost),
        float(&|c| c.markup_cost_savingsplan),
        float(&|c| c.measures.calculated_amortized_cost),
        float(&|c| c.markup_cost_amortized),
        float(&|c| c.measures.public_on_demand_cost),
        float(&|c| c.measures.public_on_demand_rate),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn savings_plan_terms() {
        assert_eq!(
            usage_term(Some("SavingsPlanNegation"), Some(24.0)),
            Some(0.0)
        );
        assert_eq!(usage_term(Some("SavingsPlanNegation"), None), Some(0.0));
        assert_eq!(
            usage_term(Some("SavingsPlanCoveredUsage"), Some(24.0)),
            Some(24.0)
        );
        assert_eq!(usage_term(None, None), None);
        for t in [
            "SavingsPlanCoveredUsage",
            "SavingsPlanNegation",
            "SavingsPlanUpfrontFee",
            "SavingsPlanRecurringFee",
        ] {
            assert!(amortizes_savings_plan(Some(t)), "{t}");
        }
        for t in [
            "Usage",
            "DiscountedUsage",
            "RIFee",
            "Fee",
            "Tax",
            "Credit",
            "Refund",
        ] {
            assert!(!amortizes_savings_plan(Some(t)), "{t}");
        }
        assert!(!amortizes_savings_plan(None));
    }

    #[test]
    fn ec2_terms_zero_only_covered_usage() {
        let ec2 = CostTerms::CoveredUsageZeroed;
        assert_eq!(
            ec2.term(Some("SavingsPlanCoveredUsage"), Some(2.0)),
            Some(0.0)
        );
        assert_eq!(ec2.term(Some("SavingsPlanCoveredUsage"), None), Some(0.0));
        assert_eq!(
            ec2.term(Some("SavingsPlanNegation"), Some(-2.0)),
            Some(-2.0)
        );
        assert_eq!(ec2.term(None, None), None);
        let billed = CostTerms::AsBilled;
        assert_eq!(
            billed.term(Some("SavingsPlanCoveredUsage"), Some(2.0)),
            Some(2.0)
        );
        assert_eq!(billed.term(Some("SavingsPlanCoveredUsage"), None), None);
    }
}
