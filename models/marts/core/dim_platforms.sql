-- Every platform in the current registry or named by a complaint. Its domain is
-- the registry's; a platform missing from the registry takes its most frequent
-- complaint domain (ties: the smallest domain string). SPEC section 4.

with

registry as (

    select * from {{ ref('int_platforms__current_registry') }}

),

complaint_domains as (

    select
        platform,
        complaint_domain,
        count(*) as n_complaints
    from {{ ref('int_complaints__current_state') }}
    group by all

),

most_frequent_domain as (

    select
        platform,
        complaint_domain
    from complaint_domains
    qualify row_number() over (
            partition by platform order by n_complaints desc, complaint_domain asc
        ) = 1

),

platforms as (

    select platform from registry
    union
    select platform from most_frequent_domain

)

select
    platforms.platform,
    coalesce(registry.domain, most_frequent_domain.complaint_domain) as domain,
    case when registry.platform is not null then 'registry' else 'complaints' end
        as domain_source,
    registry.industry,
    registry.platform is not null as in_registry,
    registry.onboarded_at,
    registry.offboarded_at,
    coalesce(registry.has_after_sales_contact, false) as has_after_sales_contact,
    registry.source_file as registry_source_file,
    registry.source_line_no as registry_source_line_no
from platforms
left join registry using (platform)
left join most_frequent_domain using (platform)
