-- Every complaint of every source in the columns whose meaning the sources
-- share (docs block `complaint_sources`): a 电诉宝-style dump's complaint and
-- a CFPB complaint side by side, told apart by source_system. The ratings
-- never mix them: each source is rated by its own method.
{{ config(materialized='view') }}

with

tousu_complaints as (

    select * from {{ ref('fct_complaints') }}

),

cfpb_complaints as (

    select * from {{ ref('fct_cfpb_complaints') }}

)

select
    'tousu' as source_system,
    complaint_id,
    platform,
    problem_type,
    province,
    submitted_date,
    cast(transferred_at as date) as transferred_date,
    submitted_month,
    source_file,
    source_line_no
from tousu_complaints

union all

select
    source_system,
    complaint_key as complaint_id,
    company as platform,
    issue as problem_type,
    state as province,
    received_date as submitted_date,
    sent_to_company_date as transferred_date,
    received_month as submitted_month,
    source_file,
    source_line_no
from cfpb_complaints
