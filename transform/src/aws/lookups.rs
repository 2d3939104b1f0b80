//! The PostgreSQL tables koku's AWS SQL joins: account aliases (`LEFT JOIN reporting_awsaccountalias
//! ON usage_account_id = account_id`, daily summary and EC2) and organizational units (`LEFT JOIN
//! reporting_awsorganizationalunit` with the date rule, daily summary only, spec §4.3). Both keep the
//! join's multiplicity: k matching rows give k output rows (spec §10.6), none gives one row with NULL.

use super::inputs::{AccountAlias, OrganizationalUnit};
use crate::core::FastMap;
use crate::core::days::Day;

/// `reporting_awsaccountalias` by `account_id`.
#[derive(Debug, Default)]
pub struct AccountAliases {
    /// The ids of the rows of each account, ascending (`account_id` is unique in koku's table, so
    /// normally one).
    by_account: FastMap<String, Vec<i32>>,
}

impl AccountAliases {
    pub fn new(rows: Vec<AccountAlias>) -> Self {
        let mut by_account: FastMap<String, Vec<i32>> = FastMap::default();
        for r in rows {
            // `NULL = x` never joins.
            if let Some(account) = r.account_id {
                by_account.entry(account).or_default().push(r.id);
            }
        }
        for ids in by_account.values_mut() {
            ids.sort_unstable();
        }
        AccountAliases { by_account }
    }

    /// The alias ids joined to `usage_account_id` (the raw CUR value, before koku's `varchar(50)`
    /// cast, which applies to the selected column only); empty = the LEFT JOIN's NULL.
    pub fn ids(&self, usage_account_id: Option<&str>) -> &[i32] {
        usage_account_id
            .and_then(|a| self.by_account.get(a))
            .map_or(&[], Vec::as_slice)
    }
}

/// An OU row as the join reads it: (id, `created_timestamp`, `deleted_timestamp`).
type Validity = (i32, Option<Day>, Option<Day>);

/// `reporting_awsorganizationalunit` rows of the run's source, by account alias id.
#[derive(Debug, Default)]
pub struct OrganizationalUnits {
    /// The rows of each alias id, by ascending id.
    by_alias: FastMap<i32, Vec<Validity>>,
}

impl OrganizationalUnits {
    /// Keeps the rows with `provider_id = source` (`ou.provider_id = UUID '…'`: compared as UUIDs,
    /// so case-insensitively).
    pub fn new(rows: Vec<OrganizationalUnit>, source_uuid: &str) -> Self {
        let mut by_alias: FastMap<i32, Vec<_>> = FastMap::default();
        for r in rows {
            let (Some(alias), Some(provider)) = (r.account_alias_id, &r.provider_id) else {
                continue;
            };
            if provider.eq_ignore_ascii_case(source_uuid) {
                by_alias
                    .entry(alias)
                    .or_default()
                    .push((r.id, r.created, r.deleted));
            }
        }
        for v in by_alias.values_mut() {
            v.sort_unstable();
        }
        OrganizationalUnits { by_alias }
    }

    /// The ids of the OU rows joined to a daily-summary row of `day` with alias `alias_id`:
    /// `created_timestamp <= usage_start AND (deleted_timestamp IS NULL OR deleted_timestamp >
    /// usage_start)`. A NULL `created_timestamp` never matches (`NULL <= d` is not true).
    pub fn ids(&self, alias_id: i32, day: Day) -> impl Iterator<Item = i32> + '_ {
        self.by_alias
            .get(&alias_id)
            .into_iter()
            .flatten()
            .filter(move |(_, created, deleted)| {
                created.is_some_and(|c| c <= day) && deleted.is_none_or(|d| d > day)
            })
            .map(|(id, _, _)| *id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ou(
        id: i32,
        alias: i32,
        provider: &str,
        created: Option<Day>,
        deleted: Option<Day>,
    ) -> OrganizationalUnit {
        OrganizationalUnit {
            id,
            account_alias_id: Some(alias),
            provider_id: Some(provider.into()),
            created,
            deleted,
        }
    }

    #[test]
    fn ou_date_rule_provider_filter_and_multiplicity() {
        // 02-services-accounts' table (days as numbers: 10 = 2025-10-01 here).
        let ous = OrganizationalUnits::new(
            vec![
                ou(10, 1, "A", Some(11), None),
                ou(20, 2, "a", Some(0), None),
                ou(21, 2, "A", Some(5), Some(12)),
                ou(30, 1, "B", Some(0), None),
                ou(40, 3, "A", None, None),
            ],
            "a",
        );
        let ids = |alias, day| ous.ids(alias, day).collect::<Vec<_>>();
        assert_eq!(
            ids(1, 10),
            Vec::<i32>::new(),
            "created after the day; other source"
        );
        assert_eq!(ids(1, 11), [10], "created on the day");
        assert_eq!(
            ids(2, 10),
            [20, 21],
            "two valid rows: both (row duplication)"
        );
        assert_eq!(ids(2, 11), [20, 21]);
        assert_eq!(ids(2, 12), [20], "deleted on the day: not > day");
        assert_eq!(ids(3, 10), Vec::<i32>::new(), "NULL created never matches");
        assert_eq!(ids(9, 10), Vec::<i32>::new());
    }

    #[test]
    fn alias_join_on_the_raw_account() {
        let aliases = AccountAliases::new(vec![
            AccountAlias {
                id: 2,
                account_id: Some("222".into()),
            },
            AccountAlias {
                id: 1,
                account_id: Some("111".into()),
            },
            AccountAlias {
                id: 3,
                account_id: None,
            },
        ]);
        assert_eq!(aliases.ids(Some("111")), [1]);
        assert_eq!(aliases.ids(Some("333")), [] as [i32; 0]);
        assert_eq!(aliases.ids(None), [] as [i32; 0]);
        assert_eq!(aliases.ids(Some("")), [] as [i32; 0]);
    }
}
