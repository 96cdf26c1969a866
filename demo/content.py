"""The texts of the demo data built by `manage.py seed_demo`, kept apart from the code.

Criteria and indicators are keyed by their codes in the default framework ("WHY.1", "IND.3").
Templates for the cities other than Tampere take `{city}`, `{unit}` and `{spend}`; the first
criterion of each theme is followed by the city's own sentence for that theme ("flavour").
Everything here is invented for the demo; the cities are real, the people and figures are not.
"""

from __future__ import annotations

# --- places and people -------------------------------------------------------------------

CITIES: dict[str, dict] = {
    "tampere": {
        "name": "Tampere",
        "timezone": "Europe/Helsinki",
        "country": "FI",
        "region": "Pirkanmaa",
        "population": 260_358,
        "procurement_unit": "Tampere Procurement Services (Hankintapalvelut), City Group Administration",
        "languages": "fi, en",
        "annual_procurement_spend_eur": 1_120_000_000,
    },
    "espoo": {
        "name": "Espoo",
        "timezone": "Europe/Helsinki",
        "country": "FI",
        "region": "Uusimaa",
        "population": 320_931,
        "procurement_unit": "Espoo Procurement Services, Group Administration and Finance",
        "languages": "fi, sv, en",
        "annual_procurement_spend_eur": 1_350_000_000,
    },
    "malmo": {
        "name": "Malmö",
        "timezone": "Europe/Stockholm",
        "country": "SE",
        "region": "Skåne",
        "population": 362_133,
        "procurement_unit": "Procurement Unit (Upphandlingsenheten), City Office of Malmö",
        "languages": "sv, en",
        "annual_procurement_spend_eur": 1_050_000_000,
    },
    "gothenburg": {
        "name": "Gothenburg",
        "timezone": "Europe/Stockholm",
        "country": "SE",
        "region": "Västra Götaland",
        "population": 607_882,
        "procurement_unit": "Inköp och upphandling (Procurement Office), City of Gothenburg",
        "languages": "sv, en",
        "annual_procurement_spend_eur": 2_400_000_000,
    },
    "utrecht": {
        "name": "Utrecht",
        "timezone": "Europe/Amsterdam",
        "country": "NL",
        "region": "Utrecht",
        "population": 374_238,
        "procurement_unit": "Inkoop & Aanbesteden (Procurement Department), Gemeente Utrecht",
        "languages": "nl, en",
        "annual_procurement_spend_eur": 780_000_000,
    },
    "ghent": {
        "name": "Ghent",
        "timezone": "Europe/Brussels",
        "country": "BE",
        "region": "East Flanders",
        "population": 267_709,
        "procurement_unit": "Aankoopdienst (Procurement Office), City of Ghent and OCMW Ghent",
        "languages": "nl, fr, en",
        "annual_procurement_spend_eur": 610_000_000,
    },
    "porto": {
        "name": "Porto",
        "timezone": "Europe/Lisbon",
        "country": "PT",
        "region": "Norte",
        "population": 248_769,
        "procurement_unit": "Departamento Municipal de Contratação Pública, Câmara Municipal do Porto",
        "languages": "pt, en",
        "annual_procurement_spend_eur": 420_000_000,
    },
}

JOINT_UNIT = {
    "name": "KuntaYhteishankinnat Oy (joint procurement unit of Tampere and Espoo)",
    "cities": ["tampere", "espoo"],
}

COORDINATOR = {
    "email": "coordinator@demo.eu",
    "full_name": "Claire Dubois",
    "job_title": "Programme coordinator, Procurement Peer Review Network secretariat",
    "language": "en",
}

# Host-city members: (e-mail, full name, job title, language, city key, membership role).
HOST_MEMBERS: list[tuple[str, str, str, str, str, str]] = [
    ("tampere@demo.eu", "Riikka Mäkinen", "Head of Procurement, City of Tampere", "fi", "tampere", "lead"),
    (
        "espoo@demo.eu",
        "Juha Koskinen",
        "Procurement Development Manager, City of Espoo",
        "fi",
        "espoo",
        "lead",
    ),
    ("malmo@demo.eu", "Sara Nilsson", "Procurement Director, City of Malmö", "sv", "malmo", "lead"),
    (
        "gothenburg@demo.eu",
        "Johan Andersson",
        "Head of Strategic Procurement, City of Gothenburg",
        "sv",
        "gothenburg",
        "lead",
    ),
    ("utrecht@demo.eu", "Pieter Bakker", "Head of Procurement, Gemeente Utrecht", "en", "utrecht", "lead"),
    (
        "ghent@demo.eu",
        "Lotte Janssens",
        "Head of the Procurement Office, City of Ghent",
        "en",
        "ghent",
        "lead",
    ),
    (
        "porto@demo.eu",
        "Rui Ferreira",
        "Director of Public Procurement, Porto City Council",
        "en",
        "porto",
        "lead",
    ),
]

# Evaluators: (e-mail, full name, job title, language, home city key, expertise themes, languages).
EVALUATORS: list[tuple[str, str, str, str, str, str, str]] = [
    (
        "eva.lund@demo.eu",
        "Eva Lund",
        "Senior Strategic Procurement Officer, City of Malmö",
        "sv",
        "malmo",
        "HOW, WHO",
        "sv, da, en",
    ),
    (
        "jan.devries@demo.eu",
        "Jan de Vries",
        "Category Manager for Social Return and Sustainability, Gemeente Utrecht",
        "en",
        "utrecht",
        "WHAT, RESULT",
        "nl, de, en",
    ),
    (
        "sofie.peeters@demo.eu",
        "Sofie Peeters",
        "Procurement Policy Advisor, City of Ghent",
        "en",
        "ghent",
        "WHY, WHAT",
        "nl, fr, en",
    ),
    (
        "ana.sousa@demo.eu",
        "Ana Sousa",
        "Head of Contract Management, Porto City Council",
        "en",
        "porto",
        "RESULT, HOW",
        "pt, es, en",
    ),
    (
        "mikko.virtanen@demo.eu",
        "Mikko Virtanen",
        "Innovation Procurement Lead, City of Espoo",
        "fi",
        "espoo",
        "WHAT, WHO",
        "fi, sv, en",
    ),
    (
        "karin.lindqvist@demo.eu",
        "Karin Lindqvist",
        "Contract Management Advisor, City of Gothenburg",
        "sv",
        "gothenburg",
        "RESULT, WHO",
        "sv, no, en",
    ),
]

# Mikko Virtanen evaluates other cities and also works for Espoo's procurement unit.
SECOND_ROLE_MEMBERSHIPS: list[tuple[str, str]] = [("mikko.virtanen@demo.eu", "espoo")]

DECLARED_CONFLICT = {
    "evaluator": "jan.devries@demo.eu",
    "city": "ghent",
    "reason": "Seconded to Ghent's procurement office in 2024 (Eurocities staff exchange); co-wrote its circular procurement guide.",
}

CANCELLED_ROUND = {
    "city": "porto",
    "reason": (
        "Cancelled at the city's request: the municipal procurement department was reorganised a few weeks "
        "after the round opened, and the new head of department wanted the review to cover the new "
        "organisation. A new round was opened the following year."
    ),
}

# --- Tampere 2025: the published example ---------------------------------------------------

TAMPERE_CONTEXT = (
    "Tampere is Finland's third-largest city and the centre of the Pirkanmaa region. Since the national "
    "health and social services reform moved those services to the Pirkanmaa wellbeing services county in "
    "January 2023, the city's external spend is about EUR 1.1 billion a year, of which construction and "
    "infrastructure (including the tramway extension to Lentävänniemi) is 38%, transport and mobility services "
    "14%, early childhood education and school services 12%, ICT 9% and facility services 8%.\n\n"
    "Procurement is organised in a hybrid model. Tampere Procurement Services (22 staff) in the City Group "
    "Administration runs every procedure above the national thresholds and the city-wide framework "
    "agreements; about 60 buyers in the service areas run small procurements and call-offs. The city owns "
    "shares in the joint procurement unit KuntaYhteishankinnat Oy, which runs framework agreements for "
    "office supplies, food, energy and vehicles. In 2024 the city ran 412 procedures, 131 of them above the "
    "EU thresholds, and managed about 1,900 active contracts.\n\n"
    "The City Council approved the Procurement Programme 2023–2027 in March 2023. It sets four goals: "
    "carbon neutrality by 2030, a vital local business community and SME access, innovation in city "
    "services, and responsible procurement (labour rights and the grey economy)."
)

TAMPERE_GUIDING_QUESTIONS = [
    "How can we make market dialogue systematic across all service areas, not only in our flagship projects?",
    "Are our climate and social criteria strong enough to change supplier behaviour, and how should contract "
    "management follow them up?",
    "What should we measure so that the City Board sees the strategic value of procurement every year?",
]

# Self-assessment per criterion: (self-score, narrative); unscored criteria have None.
TAMPERE_ANSWERS: dict[str, tuple[int | None, str]] = {
    "WHY.1": (
        3,
        "The Procurement Programme 2023–2027 opens with the city's spend analysis: EUR 1.1 billion a year, "
        "about 40% of operating costs. The City Board discusses the annual procurement report every spring, "
        "and the largest procurements (over EUR 5 million) are listed in the budget book with the strategic "
        "goal they serve. Service areas still differ: urban environment and construction see procurement as a "
        "policy tool, while education services treat it mostly as a legal obligation.",
    ),
    "WHY.2": (
        3,
        "During the energy crisis of 2022 the city renegotiated price-adjustment clauses in 46 contracts and "
        "introduced an index-linking model for new construction contracts, which kept small contractors in "
        "the market. The climate roadmap (Carbon Neutral Tampere 2030) names 18 procurement measures, such as "
        "fossil-free construction sites and low-emission transport services, and procurement reports on them "
        "twice a year.",
    ),
    "WHY.3": (
        2,
        "Buyers use the open procedure by default. We have used the competitive procedure with negotiation "
        "for the tramway rolling stock and the innovation partnership once (the smart waste-collection pilot, "
        "2021–2024). Reserved contracts for social enterprises are allowed in our guidelines but have been "
        "used only twice. We rate ourselves at level 2 because the less common tools depend on a few experts.",
    ),
    "WHAT.1": (
        2,
        "About 65% of the city's operating spend goes to external suppliers, but the decision to buy rather "
        "than produce in-house is made service by service. Contract management is decentralised: each "
        "service area names contract owners, but there is no common model for supplier performance reviews, "
        "and only the 30 largest contracts have a written contract management plan.",
    ),
    "WHAT.2": (
        3,
        "We divide procurements into lots where the market is local (maintenance of green areas, school "
        "transport, minor repairs), and the share of procedures divided into lots rose from 31% to 41% in "
        "three years. Early market engagement through the Tampere Business Forum and open supplier events "
        "has brought new bidders into facility services. Effects on the market are followed for SMEs "
        "(57% of contracts in 2024) but not systematically for new entrants.",
    ),
    "WHAT.3": (
        4,
        "Every procurement above the EU thresholds starts with a procurement plan that names the strategic "
        "goal it supports (climate, local economy, innovation, responsibility) and the criteria chosen for "
        "it. The Procurement Programme's goals are cascaded into the service areas' annual plans. The "
        "tramway extension, the Hiedanranta district and the city's food services are examples where the "
        "procurement design carried the city's strategy.",
    ),
    "HOW.1": (
        3,
        "The Procurement Programme is a council-level document and the Director of Procurement reports to "
        "the City Manager's management group. Procurement news appears on the intranet monthly, and the "
        "city publishes its procurement plan for the next 12 months on tampere.fi so that companies can "
        "prepare. Visibility towards councillors is good; towards frontline managers it is weaker.",
    ),
    "HOW.2": (
        2,
        "Procurement Services coordinates city-wide framework agreements and chairs a monthly meeting of "
        "service-area procurement contacts. Integration with budgeting is weak: service areas plan their "
        "procurements after the budget is set, so procurement rarely influences how money is allocated. The "
        "city's companies (such as Tampere Tramway Ltd and Tampere Power Utility) buy on their own.",
    ),
    "HOW.3": (
        2,
        "The change to strategic procurement has been driven by the Procurement Programme and a few "
        "champions. We ran a change programme for buyers in 2023 (four workshops), but there is no change "
        "plan for budget holders, and the approach depends on the people involved.",
    ),
    "HOW.4": (
        3,
        "Buyers use a city-wide e-tendering system (Cloudia), a contract register, and a model document "
        "library with standard climate and social criteria. Legal support comes from the City Legal Unit "
        "(two lawyers specialised in procurement). New buyers take a two-day induction; an annual training "
        "plan covers procurement law updates and the Finnish Competition and Consumer Authority's "
        "guidance.",
    ),
    "HOW.5": (
        2,
        "Procurement Services has 22 staff, of whom 14 are buyers and category specialists. The service "
        "areas have about 60 people who buy part-time. Turnover among buyers was 15% in 2024, and "
        "competences in market analysis, category management and contract management are thin outside "
        "the central unit.",
    ),
    "WHO.1": (
        3,
        "The Procurement Instruction sets clear decision levels: procurements above EUR 2 million are "
        "decided by the City Board or its sections, smaller ones by officials with delegated powers. The "
        "political leadership sets the goals but does not intervene in individual procurements. Decisions "
        "and their justifications are published.",
    ),
    "WHO.2": (
        3,
        "The operational process follows a documented six-step model (needs, market, plan, tender, award, "
        "contract), with checklists in the e-tendering system. The model is followed consistently in "
        "Procurement Services; in the service areas the planning and contract steps are often shortened.",
    ),
    "WHO.3": (
        2,
        "Procurement teams with end users, budget holders and specialists are formed for large "
        "procurements, for example the school catering tender with nutritionists and pupils' "
        "representatives. For smaller procurements co-creation inside the city is rare, and the climate "
        "unit is involved only on request.",
    ),
    "WHO.4": (
        4,
        "Tampere and Espoo own KuntaYhteishankinnat Oy together with eleven smaller municipalities; 23% of "
        "our spend went through its framework agreements in 2024. In the Tampere region we lead a network of "
        "procurement heads of eight municipalities that shares tender documents, criteria and market "
        "information, and we share our market-dialogue model with the other six largest Finnish cities.",
    ),
    "WHO.5": (
        4,
        "Market dialogue is a standard step for procurements above EUR 500,000: an announced information "
        "day, one-to-one meetings with equal treatment rules, and published minutes. 34% of procurements "
        "were preceded by market dialogue in 2024. The Tampere Business Forum meets the procurement "
        "management quarterly, and start-ups reach the city through the Smart Tampere ecosystem.",
    ),
    "RESULT.1": (
        2,
        "The Procurement Programme is evaluated once, at mid-term (2025), by Procurement Services itself. "
        "The annual procurement report describes actions but does not evaluate whether the programme's "
        "goals are reached.",
    ),
    "RESULT.2": (
        2,
        "The programme lists twelve indicators, but only five can be measured from our systems today "
        "(SME share, lots, market dialogue, environmental criteria, joint procurement). The others, such as "
        "emissions avoided and employment effects, lack data and a baseline.",
    ),
    "RESULT.3": (
        2,
        "A spend analysis by category and supplier is made every second year with an external consultant. "
        "We know the local share of spend (48% to suppliers registered in Pirkanmaa) but not the effects on "
        "the local economy, and the use of tools and criteria is counted only for procedures above the EU "
        "thresholds.",
    ),
    "RESULT.4": (
        1,
        "Process evaluation is occasional: lessons are collected after large or difficult procurements, "
        "and we asked suppliers for feedback in a survey once (2022). There is no regular internal review of "
        "the procurement process or of the time it takes.",
    ),
    "ISLAND.1": (
        None,
        "The national threshold for social and health services (EUR 400,000) and the rules on in-house "
        "entities are unclear in practice and lead to long legal disputes. We ask the national level for "
        "clearer rules on price-adjustment clauses and for a lighter regime for small innovation "
        "procurements. At EU level, the thresholds for works should be reviewed: they have not followed "
        "construction costs.",
    ),
    "ISLAND.2": (
        None,
        "We would benefit from a national procurement data service that combines Hilma notices, contract "
        "values and supplier data, so that each city does not build its own spend analysis. The guidance of "
        "the national competence centre KEINO on market dialogue and impact measurement has been useful "
        "and should be continued.",
    ),
    "ISLAND.3": (
        None,
        "Collaboration between the state and the cities feels incoherent: state agencies and the cities "
        "buy the same categories from the same suppliers without sharing criteria or prices. We propose a "
        "national forum of large buyers, and a European exchange of evaluators such as this peer review.",
    ),
}

TAMPERE_EVIDENCE: list[dict] = [
    {
        "filename": "Tampere_Procurement_Programme_2023-2027.pdf",
        "criterion": "WHAT.3",
        "description": "The Procurement Programme 2023–2027 as approved by the City Council (summary in English).",
        "title": "City of Tampere - Procurement Programme 2023-2027",
        "lines": [
            "Approved by the City Council on 13 March 2023.",
            "Goal 1: carbon-neutral Tampere 2030 - climate criteria in every procurement above EU thresholds.",
            "Goal 2: vital local business - lots, market dialogue, SME-friendly requirements.",
            "Goal 3: innovation - 3% of the investment budget for innovation procurement.",
            "Goal 4: responsibility - labour rights, grey economy checks, contract follow-up.",
        ],
    },
    {
        "filename": "Market_dialogue_model_2024.pdf",
        "criterion": "WHO.5",
        "description": "The city's market-dialogue model with templates for information days and minutes.",
        "title": "City of Tampere - Market dialogue model (2024)",
        "lines": [
            "Applies to procurements above EUR 500,000.",
            "Step 1: prior information notice in Hilma at least 6 weeks before the tender.",
            "Step 2: open information day, recorded and published.",
            "Step 3: one-to-one meetings with equal questions for every company.",
            "Step 4: published minutes and a summary of changes to the tender documents.",
        ],
    },
]

# Indicator annex: code -> (values for the three years before the round, source).
TAMPERE_INDICATORS: dict[str, tuple[tuple[float, float, float], str]] = {
    "IND.1": ((21.4, 19.8, 17.2), "Hilma contract award notices, analysed by Tampere Procurement Services"),
    "IND.2": (
        (6.1, 5.4, 4.9),
        "Contract register: direct awards under sections 40–41 of the Procurement Act",
    ),
    "IND.3": ((38.0, 33.5, 29.1), "Award criteria recorded in the e-tendering system (Cloudia)"),
    "IND.4": ((74, 69, 66), "E-tendering system: days from the bid deadline to the award decision"),
    "IND.5": (
        (52.3, 55.8, 57.1),
        "Contract register matched with company size classes in the Business Information System",
    ),
    "IND.6": ((31.0, 36.5, 41.2), "E-tendering system, procedures above the national thresholds"),
    "IND.7": (
        (18.5, 20.2, 22.8),
        "Accounts payable: invoices under KuntaYhteishankinnat framework agreements",
    ),
    "IND.8": (
        (44.0, 51.0, 58.5),
        "Procurement plans and tender documents, manual review by the climate unit",
    ),
    "IND.9": (
        (22.0, 27.5, 34.0),
        "Published market-dialogue minutes compared with procedures above EUR 500,000",
    ),
}

# Each evaluator's score and comment per criterion, in panel order: Malmö (lead), Utrecht, Ghent.
TAMPERE_SCORES: dict[str, tuple[tuple[int, str], tuple[int, str], tuple[int, str]]] = {
    "WHY.1": (
        (
            3,
            "Spend is analysed and the budget book links the largest procurements to goals. Uneven across service areas, so level 3 rather than 4.",
        ),
        (
            3,
            "Clear political ownership of the programme. The annual report to the City Board is a good habit; it does not yet show effects.",
        ),
        (
            4,
            "I would argue for 4: the link between the budget book and procurement goals is rare in Europe and worth sharing.",
        ),
    ),
    "WHY.2": (
        (
            2,
            "The energy-crisis response was good but reactive; I saw no documented crisis playbook for procurement.",
        ),
        (
            3,
            "Index-linking in construction contracts is a concrete, lasting change. The 18 climate measures are followed twice a year.",
        ),
        (
            3,
            "The climate roadmap's procurement measures are specific and monitored. Agree with the self-score.",
        ),
    ),
    "WHY.3": (
        (
            3,
            "The city undersells itself: negotiated procedure and an innovation partnership completed end to end is more than level 2.",
        ),
        (2, "Reserved contracts hardly used and the tools depend on a few experts. The self-score is fair."),
        (
            3,
            "The innovation partnership on waste collection is documented and was evaluated. I would give 3.",
        ),
    ),
    "WHAT.1": (
        (
            2,
            "Make-or-buy decisions are service by service; contract plans only for the 30 largest contracts.",
        ),
        (2, "Decentralised contract management without a common model. Agree with 2."),
        (
            1,
            "Beyond the 30 largest contracts I found little evidence of supplier performance management; closer to 1.",
        ),
    ),
    "WHAT.2": (
        (3, "The rise in lots and SME share is well documented. New entrants are not tracked."),
        (
            4,
            "Division into lots and the Business Forum together have changed facility-services markets; the single-bidder share fell. I would give 4.",
        ),
        (3, "Good practice on lots; effects on markets beyond SMEs are not followed. Level 3."),
    ),
    "WHAT.3": (
        (
            4,
            "Every large procurement names its strategic goal and the flagship projects show the effect. I accept the city's 4.",
        ),
        (3, "Strong cascading into service-area plans. Evidence of measured effects is missing for a 4."),
        (
            2,
            "Outside the flagship projects the strategic goal in the plan is often a tick box; I scored 2 to raise this for discussion.",
        ),
    ),
    "HOW.1": (
        (
            3,
            "Council-level programme and a direct line to the City Manager. The published procurement plan is a good practice.",
        ),
        (3, "Mandate is clear. Communication to frontline managers is weaker, as the city says."),
        (3, "Visible and well mandated; agree with 3."),
    ),
    "HOW.2": (
        (2, "Monthly coordination works, but procurement is not part of budget planning."),
        (
            1,
            "The city companies buy on their own with no coordination of categories; this is closer to 1 for the group as a whole.",
        ),
        (2, "Coordination exists inside the city organisation; not with budgeting or the companies. 2."),
    ),
    "HOW.3": (
        (2, "The 2023 buyer workshops were a good start; nothing yet for budget holders."),
        (2, "Depends on champions. Agree with 2."),
        (
            3,
            "The change in construction procurement is sustained and has outlived the people who started it; 3 for that part.",
        ),
    ),
    "HOW.4": (
        (3, "Good tool set and a model document library with standard criteria."),
        (3, "Legal support is specialised and close to buyers. Agree with 3."),
        (3, "Training plan exists and is followed. 3."),
    ),
    "HOW.5": (
        (1, "Turnover of 15% and thin competences outside the central unit: I would score 1 and discuss."),
        (2, "Capacity of the central unit is adequate; service areas are weak. 2."),
        (2, "No competence framework for buyers, but a functioning central team. 2."),
    ),
    "WHO.1": (
        (3, "Decision levels are clear and decisions are published."),
        (3, "Clear separation of political goal-setting and officials' decisions."),
        (3, "Agree with 3."),
    ),
    "WHO.2": (
        (
            2,
            "The six-step model is followed centrally; in service areas the planning and contract steps are skipped. I would give 2.",
        ),
        (3, "Documented and supported by checklists; applied in most procedures above thresholds."),
        (2, "Interviews with buyers showed the model is not used below the EU thresholds. 2."),
    ),
    "WHO.3": (
        (3, "The school catering tender is an excellent example of co-creation with users."),
        (2, "Good examples, but not a standard practice. 2."),
        (2, "The climate unit should be part of every large procurement team. 2."),
    ),
    "WHO.4": (
        (4, "Regional network of procurement heads and the joint unit are leading practice."),
        (4, "Model sharing with the six largest cities is exactly level 4."),
        (3, "Strong, but the joint unit's criteria are not aligned with Tampere's climate goals yet. 3."),
    ),
    "WHO.5": (
        (4, "Systematic, published market dialogue with equal-treatment rules. Leading."),
        (3, "Good model, but used in about a third of procurements; 3."),
        (4, "The published minutes and the Business Forum make this a model for others. 4."),
    ),
    "RESULT.1": (
        (2, "Mid-term evaluation by the unit itself; no independent evaluation."),
        (2, "The annual report describes activity, not results. 2."),
        (2, "Agree with the city's 2."),
    ),
    "RESULT.2": (
        (1, "Twelve indicators listed, five measurable, no baselines: 1."),
        (1, "Without baselines and targets these are not yet indicators that steer. 1."),
        (2, "The five measurable indicators are reported regularly. 2."),
    ),
    "RESULT.3": (
        (2, "Spend analysis every second year; local-economy effects unknown."),
        (
            1,
            "Tools and criteria counted only above EU thresholds, which is a small part of the procedures. 1.",
        ),
        (
            3,
            "The local share of spend is known and discussed; with the biannual spend cube this is close to 3.",
        ),
    ),
    "RESULT.4": (
        (1, "Occasional lessons learnt only. 1."),
        (2, "The 2022 supplier survey and lessons from large procurements show a start; 2."),
        (1, "No regular process review. Agree with 1."),
    ),
}

# The panel's agreed score and rationale per scored criterion.
TAMPERE_AGREED: dict[str, tuple[int, str]] = {
    "WHY.1": (
        3,
        "Spend is analysed and the largest procurements are linked to strategic goals in the budget book. The panel stays at 3 because the understanding is uneven across service areas and effects are not yet shown.",
    ),
    "WHY.2": (
        3,
        "The index-linking model and the 18 climate measures show a lasting response, followed twice a year. A documented crisis-preparedness plan for procurement would support a higher level.",
    ),
    "WHY.3": (
        3,
        "The panel raises the city's self-score: a negotiated procedure and a completed, evaluated innovation partnership show the tools are used when needed. Reserved contracts remain under-used.",
    ),
    "WHAT.1": (
        2,
        "Make-or-buy decisions and contract management are left to each service area; only the largest contracts have plans. The panel agrees with the self-score.",
    ),
    "WHAT.2": (
        3,
        "Division into lots and early market engagement have measurably widened competition (single-bidder share down from 21% to 17%). Effects on new entrants are not followed, so 3.",
    ),
    "WHAT.3": (
        3,
        "The panel lowers the self-score from 4 to 3. The procurement plan links each large procurement to a goal, but the link is not followed after award and is weaker outside the flagship projects. This criterion was discussed on the first assessment day.",
    ),
    "HOW.1": (
        3,
        "A council-level programme, a direct reporting line to the City Manager and a published procurement plan. Communication towards frontline managers is the next step.",
    ),
    "HOW.2": (
        2,
        "Coordination works within the city organisation but not with budget planning or the city's companies.",
    ),
    "HOW.3": (
        2,
        "The change in construction procurement is sustained, but the wider change depends on champions and has no plan for budget holders.",
    ),
    "HOW.4": (
        3,
        "A complete set of tools, a model document library with standard criteria, specialised legal support and a training plan that is followed.",
    ),
    "HOW.5": (
        2,
        "The central unit is capable; competences in the service areas are thin and turnover is high. The panel discussed level 1 but agreed on 2 given the central unit's capacity.",
    ),
    "WHO.1": (
        3,
        "Clear decision levels, published decisions and a healthy separation between political goal-setting and officials' decisions.",
    ),
    "WHO.2": (
        2,
        "The panel lowers the self-score: the six-step model is applied in Procurement Services, but interviews showed that planning and contract steps are often skipped in the service areas.",
    ),
    "WHO.3": (
        2,
        "Good examples of co-creation (school catering), but not a standard practice; the climate unit is involved only on request.",
    ),
    "WHO.4": (
        4,
        "The joint procurement unit, the regional network of procurement heads and the sharing of models with other large cities are leading practice.",
    ),
    "WHO.5": (
        4,
        "A systematic, documented and published market-dialogue model, used in a growing share of procurements (34%) and shared with other cities.",
    ),
    "RESULT.1": (
        2,
        "The programme is evaluated once, by the unit itself; the annual report describes activity rather than results.",
    ),
    "RESULT.2": (
        1,
        "The panel lowers the self-score: of twelve indicators only five can be measured and none has a baseline or target. Setting the indicators right is the city's most important next step.",
    ),
    "RESULT.3": (
        2,
        "A spend analysis exists and the local share of spend is known, but the analysis is not annual and the use of criteria is counted only above the EU thresholds. Spread of scores discussed on day 2.",
    ),
    "RESULT.4": (
        1,
        "Lessons are collected occasionally; there is no regular internal or external process evaluation.",
    ),
}

# Assessment days: day offsets from the first day; sessions with interviewees
# (role, name, organisation, consent to be named) and the criteria probed.
TAMPERE_DAYS: list[dict] = [
    {
        "offset": 0,
        "location": "Tampere City Hall, Keskustori 10 – meeting room Pinni",
        "notes": "Opening by the Deputy Mayor. The panel met in the morning to agree the focus questions from the score overview (WHAT.3, HOW.5, RESULT.3).",
        "sessions": [
            {
                "start": "09:00",
                "end": "10:15",
                "topic": "Procurement as a strategic tool: political leadership and city management",
                "criteria": ["WHY.1", "WHAT.3", "HOW.1", "WHO.1"],
                "notes": "The Deputy Mayor sees the Procurement Programme as the council's main lever for climate goals. City management confirmed the budget book lists large procurements, but budget decisions come before procurement planning.",
                "interviewees": [
                    ("political", "Anna-Kaisa Heinämäki", "Deputy Mayor for Urban Environment", True),
                    ("management", "", "City Manager's Office, Director of Strategy", False),
                ],
            },
            {
                "start": "10:30",
                "end": "12:00",
                "topic": "The procurement unit: organisation, resources and tools",
                "criteria": ["HOW.2", "HOW.4", "HOW.5", "WHO.2"],
                "notes": "Turnover and recruitment problems confirmed. The model document library is widely used; contract-management templates are missing.",
                "interviewees": [
                    ("procurement_head", "Riikka Mäkinen", "Tampere Procurement Services", True),
                    ("buyer", "", "Tampere Procurement Services, category specialist for ICT", False),
                ],
            },
            {
                "start": "13:00",
                "end": "14:30",
                "topic": "Buyers in the service areas: everyday procurement below the EU thresholds",
                "criteria": ["WHO.2", "WHO.3", "HOW.3"],
                "notes": "Buyers value the central unit's help but shorten the planning step under time pressure. The six-step model is seen as 'for the big tenders'.",
                "interviewees": [
                    ("buyer", "", "Education and Learning Services", False),
                    ("buyer", "", "Urban Environment and Infrastructure", False),
                    ("buyer", "", "Culture and Leisure Services", False),
                ],
            },
            {
                "start": "14:45",
                "end": "16:00",
                "topic": "Climate and social criteria in practice",
                "criteria": ["WHY.2", "WHAT.3", "RESULT.2"],
                "notes": "The climate unit reviews tender documents manually. Follow-up of criteria after award is rare; the unit asked for contract-management support.",
                "interviewees": [
                    ("management", "Elina Laakso", "Climate and Environmental Policy Unit", True),
                    ("contract_manager", "", "Tampere Tramway Ltd", False),
                ],
            },
        ],
    },
    {
        "offset": 1,
        "location": "Tampere City Hall and online",
        "notes": "Day 2 focused on the market, contract management and results. Closing feedback to the procurement management at 15:30.",
        "sessions": [
            {
                "start": "09:00",
                "end": "10:30",
                "topic": "Local businesses and SMEs: market dialogue and access to tenders",
                "criteria": ["WHAT.2", "WHO.5"],
                "notes": "Companies praised the information days and the published procurement plan. Small firms find the qualification requirements for framework agreements heavy.",
                "interviewees": [
                    ("business", "Jari Lehtonen", "Tampere Chamber of Commerce", True),
                    ("business", "", "Local landscaping company (12 employees)", False),
                    ("business", "", "ICT start-up from the Smart Tampere ecosystem", False),
                ],
            },
            {
                "start": "10:45",
                "end": "12:00",
                "topic": "Contract management and supplier follow-up",
                "criteria": ["WHAT.1", "RESULT.4"],
                "notes": "Contract managers work without a common model; supplier meetings depend on the person. Good example: quarterly KPI reviews in school transport.",
                "interviewees": [
                    ("contract_manager", "", "Education and Learning Services, school transport", False),
                    ("contract_manager", "", "Facility Services", False),
                ],
            },
            {
                "start": "13:00",
                "end": "14:15",
                "topic": "Regional collaboration and the joint procurement unit",
                "criteria": ["WHO.4", "HOW.2"],
                "notes": "The joint unit's framework agreements are used widely. Its criteria do not yet reflect Tampere's climate goals; a joint criteria group was proposed.",
                "interviewees": [
                    ("other", "", "KuntaYhteishankinnat Oy, customer director", False),
                    ("procurement_head", "", "Procurement head of a neighbouring municipality", False),
                ],
            },
        ],
    },
]

TAMPERE_REPORT: dict[str, str] = {
    "executive_summary": (
        "Tampere is a forerunner in using procurement as a strategic tool. The Procurement Programme "
        "2023–2027, adopted by the City Council, gives procurement a clear mandate, and the city's "
        "market-dialogue model and regional collaboration are leading practice that the panel recommends "
        "sharing across the network.\n\n"
        "The maturity profile is strongest in WHO (organisation and collaboration) and WHY, and weakest in "
        "RESULT. The city knows what it wants procurement to achieve, but it cannot yet show whether it "
        "does: of twelve programme indicators only five are measured, none has a baseline, and contract "
        "management — where climate and social commitments are delivered or lost — has no common model.\n\n"
        "The panel's priority actions are to adopt a compact indicator set with baselines (AP-1), to "
        "introduce risk-based contract management for the largest contracts (AP-2), and to connect "
        "procurement planning to the budget cycle (AP-5)."
    ),
    "key_strengths": (
        "- A council-level Procurement Programme with four clear goals, cascaded into the service areas' plans.\n"
        "- A systematic, published market-dialogue model (34% of procurements in 2024, up from 22%).\n"
        "- Regional leadership: the joint procurement unit and the network of procurement heads of eight municipalities.\n"
        "- Division into lots and SME access: SME share of contracts 57%, single-bidder share down to 17%.\n"
        "- A model document library with standard climate and social criteria, supported by specialised legal advice."
    ),
    "purpose_and_scope": (
        "Tampere asked for the review to test its Procurement Programme at mid-term and to prepare the next "
        "programme period. The review covered the city organisation's procurement (not the city's companies, "
        "except where they appeared in interviews) against all criteria of the network's framework, and "
        "the city's three guiding questions: systematic market dialogue, the strength and follow-up of "
        "climate and social criteria, and measuring the strategic value of procurement."
    ),
    "process_notes": (
        "The city submitted its pre-report with two evidence documents and indicator values for 2022–2024. "
        "The three evaluators scored every criterion independently before seeing each other's scores; the "
        "score overview flagged two criteria with a spread of two levels (WHAT.3 and RESULT.3), which were "
        "discussed on the assessment days together with HOW.5. Over two days the panel interviewed 16 "
        "people in seven sessions: political leadership, city management, the "
        "procurement head, buyers, contract managers, local businesses and the joint procurement unit.\n\n"
        "Conflict statement: none of the evaluators works for Tampere or for a city that shares a joint "
        "procurement unit with Tampere, and none has declared a conflict of interest. There were no "
        "reciprocal reviews between the evaluators' cities and Tampere in this cycle."
    ),
    "next_steps": (
        "The city will respond to the action proposals in its management group and name owners within three "
        "months. The follow-up register (the action-proposal table) is carried into the repeat round, where "
        "the city reports progress on each proposal before the panel's visit. The repeat round opens 18 "
        "months after publication."
    ),
}

TAMPERE_FACTUAL_COMMENT = (
    "Section 5: Tampere Procurement Services has 22 staff, not 24 as in the first draft. Finding WHO.4: the "
    "joint procurement unit has eleven municipal owners besides Tampere and Espoo, not nine. AP-5: the budget "
    "cycle starts in February, so 'the next budget cycle' means the 2027 budget."
)

TAMPERE_CITY_RESPONSE = (
    "The City of Tampere thanks the panel for a thorough and constructive review. We accept all eight "
    "action proposals. The indicator set (AP-1) and the contract-management model (AP-2) will be part of "
    "the revised Procurement Programme that the City Council will discuss in autumn 2026, and the "
    "management group has asked Procurement Services and Finance to prepare the link to the budget cycle "
    "(AP-5) for the 2027 budget. We look forward to sharing our market-dialogue model within the network."
)

TAMPERE_FINDINGS: dict[str, dict[str, str]] = {
    "WHY.1": {
        "evidence": "Procurement Programme 2023–2027; budget book 2025; annual procurement report; interviews with the Deputy Mayor and city management.",
        "strengths": "Spend is known and presented to the City Board every year; the largest procurements are linked to strategic goals in the budget book.",
        "areas_to_develop": "Make the link visible in all service areas, not only urban environment and construction.",
        "good_practice": "Listing procurements above EUR 5 million in the budget book with the goal they serve.",
    },
    "WHY.2": {
        "evidence": "Price-adjustment renegotiations 2022 (46 contracts); climate roadmap; twice-yearly reports.",
        "strengths": "A fast and fair response to the energy crisis that kept small contractors in the market.",
        "areas_to_develop": "Write down what was learnt as a procurement crisis-preparedness plan.",
        "good_practice": "The index-linking model for construction contracts.",
    },
    "WHY.3": {
        "evidence": "Tramway rolling-stock procurement; innovation partnership for smart waste collection (evaluation report 2024).",
        "strengths": "Less common procedures are used when the need calls for them, and evaluated.",
        "areas_to_develop": "Reserved contracts and social-enterprise participation are under-used; the know-how sits with a few experts.",
        "good_practice": "",
    },
    "WHAT.1": {
        "evidence": "Contract register; interviews with contract managers in education and facility services.",
        "strengths": "Contract owners are named, and the largest contracts have written plans.",
        "areas_to_develop": "There is no common model for supplier performance reviews or for make-or-buy decisions.",
        "good_practice": "Quarterly KPI reviews in the school-transport contracts.",
    },
    "WHAT.2": {
        "evidence": "Indicator annex (lots, SMEs, single bidders); interviews with local businesses.",
        "strengths": "More lots and early market engagement have widened competition in local markets.",
        "areas_to_develop": "Follow new entrants and the market effects of framework agreements on small firms.",
        "good_practice": "The published 12-month procurement plan that helps companies prepare.",
    },
    "WHAT.3": {
        "evidence": "Procurement plans of 12 procedures sampled by the panel; service-area annual plans.",
        "strengths": "Every large procurement names the strategic goal it serves.",
        "areas_to_develop": "Follow the goal through to the contract: in most sampled plans the goal was not tracked after award.",
        "good_practice": "The Hiedanranta district procurements, designed around the city's circular-economy goals.",
    },
    "HOW.1": {
        "evidence": "Procurement Programme; organisation chart; tampere.fi procurement pages; intranet.",
        "strengths": "A clear mandate from the council and a direct line to the City Manager.",
        "areas_to_develop": "Communication to frontline managers and budget holders.",
        "good_practice": "",
    },
    "HOW.2": {
        "evidence": "Minutes of the monthly procurement-contacts meeting; budget instructions 2025.",
        "strengths": "Regular coordination of city-wide framework agreements.",
        "areas_to_develop": "Procurement planning comes after the budget; the city's companies buy without coordination of categories.",
        "good_practice": "",
    },
    "HOW.3": {
        "evidence": "Buyer change programme 2023; interviews with buyers.",
        "strengths": "A sustained change in construction procurement.",
        "areas_to_develop": "A change plan for budget holders and service-area managers.",
        "good_practice": "",
    },
    "HOW.4": {
        "evidence": "E-tendering system, model document library, training plan 2025.",
        "strengths": "Standard climate and social criteria are easy for buyers to reuse; legal support is close at hand.",
        "areas_to_develop": "Add contract-management templates and a criteria follow-up checklist.",
        "good_practice": "The model document library with standard criteria.",
    },
    "HOW.5": {
        "evidence": "Staffing data; turnover 15% in 2024; interviews.",
        "strengths": "A capable central team with category specialists.",
        "areas_to_develop": "Competences in the service areas (market analysis, category and contract management) and retention of buyers.",
        "good_practice": "",
    },
    "WHO.1": {
        "evidence": "Procurement Instruction; published decisions.",
        "strengths": "Clear decision levels and a healthy separation of roles.",
        "areas_to_develop": "",
        "good_practice": "",
    },
    "WHO.2": {
        "evidence": "Six-step process model; sample of procedures below the EU thresholds.",
        "strengths": "A documented model with checklists in the e-tendering system.",
        "areas_to_develop": "Apply the planning and contract steps below the EU thresholds, in a lighter form.",
        "good_practice": "",
    },
    "WHO.3": {
        "evidence": "School catering tender documentation; interviews with the climate unit.",
        "strengths": "Co-creation with end users in large procurements.",
        "areas_to_develop": "Involve the climate unit and end users by default in procurements above EUR 500,000.",
        "good_practice": "Pupils and nutritionists in the school catering procurement team.",
    },
    "WHO.4": {
        "evidence": "Joint procurement unit's annual report; network of procurement heads.",
        "strengths": "Regional leadership and sharing of documents, criteria and market information.",
        "areas_to_develop": "Align the joint unit's criteria with the owners' climate goals.",
        "good_practice": "The regional network of procurement heads of eight municipalities.",
    },
    "WHO.5": {
        "evidence": "Market-dialogue model 2024; published minutes; interviews with businesses.",
        "strengths": "Systematic, transparent dialogue that companies value.",
        "areas_to_develop": "Extend it to the service areas' procurements between EUR 100,000 and 500,000.",
        "good_practice": "The market-dialogue model with published minutes: recommended to the network.",
    },
    "RESULT.1": {
        "evidence": "Mid-term self-evaluation 2025; annual procurement reports.",
        "strengths": "The programme is reviewed at mid-term.",
        "areas_to_develop": "Evaluate results, not activity, and involve an independent view.",
        "good_practice": "",
    },
    "RESULT.2": {
        "evidence": "Indicator list of the Procurement Programme; indicator annex.",
        "strengths": "Five indicators are measured from the city's own systems.",
        "areas_to_develop": "Baselines and targets; fewer indicators that steer decisions.",
        "good_practice": "",
    },
    "RESULT.3": {
        "evidence": "Spend analysis 2024 (external consultant).",
        "strengths": "The local share of spend is known.",
        "areas_to_develop": "An annual spend and category analysis that covers procedures below the EU thresholds.",
        "good_practice": "",
    },
    "RESULT.4": {
        "evidence": "Supplier survey 2022; lessons-learnt notes from the tramway procurements.",
        "strengths": "Lessons are collected after large procurements.",
        "areas_to_develop": "Regular supplier feedback and an internal review of process times.",
        "good_practice": "",
    },
    "ISLAND.1": {
        "evidence": "Pre-report; interview with the procurement head.",
        "strengths": "The city has concrete proposals for national rules.",
        "areas_to_develop": "",
        "good_practice": "",
    },
    "ISLAND.2": {
        "evidence": "Pre-report.",
        "strengths": "",
        "areas_to_develop": "A national procurement data service would remove duplicated spend analyses across cities.",
        "good_practice": "",
    },
    "ISLAND.3": {
        "evidence": "Pre-report; day 2 discussion.",
        "strengths": "",
        "areas_to_develop": "A national forum of large buyers, as the city proposes, is echoed by the panel.",
        "good_practice": "",
    },
}

TAMPERE_PROPOSALS: list[dict] = [
    {
        "criterion": "RESULT.2",
        "title": "Adopt a compact procurement indicator set with baselines and targets",
        "description": "Reduce the programme's twelve indicators to about eight that can be measured from the city's systems, set a 2024 baseline and a 2027 target for each, and report them in the annual procurement report.",
        "priority": "high",
        "owner": "Director of Procurement, with the Finance Unit",
        "timeframe": "12 months",
        "success_indicator": "Indicator set with baselines approved by the City Board; first report for 2026",
    },
    {
        "criterion": "WHAT.1",
        "title": "Introduce risk-based contract management for the largest contracts",
        "description": "A common contract-management model: risk classification, a named contract manager, KPI reviews and follow-up of climate and social clauses. Start with contracts above EUR 1 million.",
        "priority": "high",
        "owner": "Tampere Procurement Services and the service-area directors",
        "timeframe": "18 months",
        "success_indicator": "All contracts above EUR 1 million have a contract manager and two KPI reviews a year",
    },
    {
        "criterion": "HOW.5",
        "title": "Build a competence programme for buyers in the service areas",
        "description": "A shared learning path (procurement basics, market analysis, category and contract management) and a peer-learning session twice a year; include retention measures for the central unit.",
        "priority": "medium",
        "owner": "HR Services and Tampere Procurement Services",
        "timeframe": "12 months",
        "success_indicator": "80% of part-time buyers complete the core modules; buyer turnover below 10%",
    },
    {
        "criterion": "RESULT.3",
        "title": "Run an annual spend and category analysis including effects on the local economy",
        "description": "Bring the spend analysis in-house and make it annual, covering procedures below the EU thresholds and the use of criteria and tools.",
        "priority": "medium",
        "owner": "Procurement analytics, Tampere Procurement Services",
        "timeframe": "First analysis by the end of 2026",
        "success_indicator": "Spend cube covers 95% of spend; SME and local shares published per category",
    },
    {
        "criterion": "HOW.2",
        "title": "Connect procurement planning to the budget cycle",
        "description": "Service areas submit their procurement plans with their budget proposals, so that procurement options inform budget decisions.",
        "priority": "high",
        "owner": "City Manager's management group",
        "timeframe": "2027 budget cycle",
        "success_indicator": "The procurement plan for 2027 is approved with the budget; 90% of procedures above EU thresholds are in the plan",
    },
    {
        "criterion": "WHAT.3",
        "title": "Make minimum climate and social criteria binding in category strategies",
        "description": "For the five highest-emission categories, write category strategies with mandatory minimum criteria and follow-up clauses, agreed with the climate unit.",
        "priority": "medium",
        "owner": "Category managers, with the Climate and Environmental Policy Unit",
        "timeframe": "18 months",
        "success_indicator": "Five category strategies adopted; share of procedures with environmental or social criteria at least 65%",
    },
    {
        "criterion": "WHO.3",
        "title": "Create a cross-departmental procurement network",
        "description": "A quarterly network of buyers, budget holders, the climate unit and legal services to plan upcoming procurements and share lessons.",
        "priority": "low",
        "owner": "Tampere Procurement Services",
        "timeframe": "6 months",
        "success_indicator": "Network meets quarterly with all service areas represented",
    },
    {
        "criterion": "RESULT.4",
        "title": "Gather supplier feedback after major procedures",
        "description": "A short survey to all bidders after every procedure above EUR 500,000, with results reviewed twice a year.",
        "priority": "low",
        "owner": "Tampere Procurement Services",
        "timeframe": "12 months",
        "success_indicator": "Survey after every procedure above EUR 500,000; response rate above 40%",
    },
]

# --- the other cities: profiles and templates ---------------------------------------------

SCORED_CODES = [
    "WHY.1", "WHY.2", "WHY.3",
    "WHAT.1", "WHAT.2", "WHAT.3",
    "HOW.1", "HOW.2", "HOW.3", "HOW.4", "HOW.5",
    "WHO.1", "WHO.2", "WHO.3", "WHO.4", "WHO.5",
    "RESULT.1", "RESULT.2", "RESULT.3", "RESULT.4",
]  # fmt: skip

# Per city: context, guiding questions, self-scores in SCORED_CODES order, and one sentence per
# theme that makes the generic narratives specific ("flavour").
CITY_PROFILES: dict[str, dict] = {
    "espoo": {
        "context": (
            "Espoo is Finland's second-largest city, part of the Helsinki metropolitan area. The city "
            "spends about EUR 1.35 billion a year on external goods, services and works; the largest "
            "categories are construction (schools and the Länsimetro-related urban development), early "
            "childhood education services, ICT and transport. Espoo Procurement Services in the Group "
            "Administration runs the procedures above the national thresholds; the service areas buy the "
            "rest. The city is a co-owner of the joint procurement unit KuntaYhteishankinnat Oy."
        ),
        "guiding_questions": [
            "How do we scale innovation procurement from pilots to the city's regular purchasing?",
            "How should a city of our size organise category management between the central unit and the service areas?",
        ],
        "self_scores": [3, 3, 2, 2, 3, 3, 3, 2, 2, 2, 2, 3, 2, 2, 2, 3, 2, 2, 2, 1],
        "flavour": {
            "WHY": "The Espoo Story, the city's strategy, names procurement as a tool for a carbon-neutral Espoo by 2030.",
            "WHAT": "Espoo has used innovation procurement with Aalto University and the Otaniemi ecosystem, for example for school buildings and smart mobility.",
            "HOW": "Procurement Services sits in the Group Administration and Finance and serves the city's service areas.",
            "WHO": "The city meets its suppliers at annual market days and through Business Espoo.",
            "RESULT": "Procurement data come from the e-tendering system and the finance system, joined manually.",
        },
    },
    "malmo": {
        "context": (
            "Malmö, Sweden's third-largest city, buys goods, services and works for about SEK 12 billion "
            "(EUR 1.05 billion) a year. The Procurement Unit in the City Office runs all framework "
            "agreements and procedures above the direct-award threshold for the city's administrations; "
            "municipal companies such as MKB (housing) buy on their own. The main categories are "
            "construction and property maintenance, care services, food, transport and ICT. The city's "
            "environmental programme 2021–2030 and its policy for sustainable development and food are "
            "the main steering documents for procurement."
        ),
        "guiding_questions": [
            "How can we keep the ambition of our food procurement while food prices rise?",
            "How should we follow up social clauses (employment, working conditions) in service contracts?",
            "Which of our practices are worth sharing, and how?",
        ],
        "self_scores": [3, 3, 3, 3, 3, 4, 3, 3, 2, 3, 3, 3, 3, 3, 2, 3, 3, 2, 2, 2],
        "flavour": {
            "WHY": "Malmö's environmental programme 2021–2030 and its commitment to climate neutrality by 2030 are the reference points buyers quote most often.",
            "WHAT": "Food procurement is the flagship: the food policy aims at fully organic public meals and a 40% cut in food-related emissions.",
            "HOW": "The Procurement Unit in the City Office runs all framework agreements and supports the administrations with category teams.",
            "WHO": "Dialogue with the market is coordinated through annual supplier days and category teams for food, construction and care services.",
            "RESULT": "Follow-up relies on the city's environmental accounting and the annual procurement report to the municipal executive board.",
        },
    },
    "utrecht": {
        "context": (
            "Utrecht is the fourth-largest city of the Netherlands and one of the fastest-growing. The "
            "municipality spends about EUR 780 million a year externally, of which the social domain "
            "(youth care, support under the Social Support Act, WMO) is 35%, works and public space 25%, "
            "facilities 15% and ICT 10%. The central Procurement Department works with category managers "
            "and advises budget holders, who remain responsible for their contracts. Social Return on "
            "Investment (SROI) has applied to contracts above EUR 100,000 since 2015."
        ),
        "guiding_questions": [
            "Does our Social Return policy create lasting jobs, and how can we prove it?",
            "How can the regional social-domain procurements keep small care providers in the market?",
        ],
        "self_scores": [3, 2, 3, 2, 3, 3, 2, 2, 2, 3, 2, 3, 2, 2, 3, 3, 2, 3, 3, 2],
        "flavour": {
            "WHY": "Utrecht's procurement policy links every contract to the city's ambitions on health, social inclusion and a circular economy by 2050.",
            "WHAT": "Social Return on Investment applies to contracts above EUR 100,000: suppliers commit 5% of the contract value to jobs or training for people far from the labour market.",
            "HOW": "The central Procurement Department works with category managers for facilities, ICT, works and the social domain.",
            "WHO": "The Utrecht region's municipalities buy youth care and WMO support together through a regional procurement organisation.",
            "RESULT": "A dashboard on the purchasing ledger tracks local, SME and Social Return results every quarter.",
        },
    },
    "ghent": {
        "context": (
            "Ghent is the second-largest city of Flanders. The City of Ghent and the Public Centre for "
            "Social Welfare (OCMW Ghent) share one Procurement Office, which buys for about EUR 610 million "
            "a year. Main categories: works and public space (30%), facility services (15%), ICT (12%), "
            "care and welfare services (12%) and food (5%). Procurement follows the Ghent climate plan and "
            "the food strategy 'Gent en Garde', and the city has run circular-procurement pilots since "
            "2018."
        ),
        "guiding_questions": [
            "How can circular procurement move from pilots to the standard for furniture, ICT and textiles?",
            "How do we involve social-economy enterprises without fragmenting our contracts?",
            "What is the right balance between central and decentralised buying after our reorganisation?",
        ],
        "self_scores": [3, 3, 2, 2, 3, 3, 3, 2, 2, 2, 2, 2, 3, 2, 3, 3, 2, 2, 2, 1],
        "flavour": {
            "WHY": "Ghent's climate plan and the 'Gent en Garde' food strategy put procurement at the heart of the city's transition agenda.",
            "WHAT": "Circular-procurement pilots for furniture, textiles and ICT hardware moved from ownership to use contracts and refurbishment.",
            "HOW": "One Procurement Office serves the City and OCMW Ghent, with buyers placed in the departments.",
            "WHO": "Social-economy enterprises are reached through reserved contracts and a standing dialogue with their federation.",
            "RESULT": "Contract data come from the federal e-Procurement platform and the city's ERP system.",
        },
    },
    "porto": {
        "context": (
            "Porto is the centre of Portugal's second metropolitan area. The municipality spends about "
            "EUR 420 million a year on goods, services and works; works and urban rehabilitation are the "
            "largest category (40%), followed by mobility and transport, maintenance services and ICT. "
            "The Municipal Department of Public Procurement centralises the municipality's procedures, "
            "which all run on certified electronic platforms and are published on the national portal "
            "BASE; municipal companies such as Águas e Energia do Porto buy on their own."
        ),
        "guiding_questions": [
            "How can we use our complete e-procurement data to steer procurement, not only to report it?",
            "How do we bring more SMEs and start-ups into municipal contracts?",
            "How should contract management be organised between the department and the municipal services?",
        ],
        "self_scores": [2, 2, 2, 2, 2, 3, 2, 2, 1, 2, 2, 2, 2, 2, 2, 2, 1, 1, 2, 1],
        "flavour": {
            "WHY": "Porto treats procurement as a lever for its municipal climate pact and the digital transition of city services.",
            "WHAT": "Every procedure runs on certified e-procurement platforms and is published on BASE, which gives the city complete procedure data.",
            "HOW": "The Municipal Department of Public Procurement centralises procedures, while municipal companies buy on their own.",
            "WHO": "Porto Innovation Hub and the Invest Porto team bring start-ups to the city's market consultations.",
            "RESULT": "Indicators exist for procedure times and savings but not yet for social or environmental outcomes.",
        },
    },
    "gothenburg": {
        "context": (
            "Gothenburg, Sweden's second-largest city, spends about SEK 27 billion (EUR 2.4 billion) a year "
            "on goods, services and works across its administrations and municipal companies. Since 2017 "
            "the central procurement office Inköp och upphandling runs the city-wide framework agreements "
            "(about 1,100 active agreements) and supports the administrations and companies. Main "
            "categories: construction and property, care services, transport, food and ICT. The city's "
            "environment and climate programme 2021–2030 and its programme for equal living conditions "
            "steer procurement."
        ),
        "guiding_questions": [
            "How do we measure the effect of employment requirements beyond the number of jobs created?",
            "How can category councils become the place where budget holders take procurement decisions?",
        ],
        "self_scores": [4, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 3, 3, 3, 3, 3, 3, 3, 3, 2],
        "flavour": {
            "WHY": "Gothenburg's environment and climate programme 2021–2030 and the goal of socially sustainable growth are written into the procurement policy.",
            "WHAT": "Employment requirements in construction and service contracts have given several hundred long-term unemployed people jobs with suppliers.",
            "HOW": "Inköp och upphandling, the central procurement office, runs framework agreements for all city administrations and municipal companies.",
            "WHO": "Category councils bring buyers, budget holders and specialists together for each of the main categories.",
            "RESULT": "The procurement office reports an annual follow-up of sustainability requirements to the city executive board.",
        },
    },
}

# Indicator values of the other cities: the latest full year, in IND.1…IND.9 order.
CITY_INDICATOR_LATEST: dict[str, list[float]] = {
    "espoo": [18.9, 5.2, 31.0, 71, 54.0, 38.0, 24.5, 52.0, 29.0],
    "malmo": [15.2, 3.8, 22.0, 58, 49.5, 44.0, 12.0, 71.0, 31.0],
    "utrecht": [24.1, 7.9, 35.0, 49, 61.0, 33.0, 28.0, 64.0, 26.0],
    "ghent": [27.5, 9.1, 41.0, 62, 58.0, 29.0, 17.0, 55.0, 21.0],
    "porto": [31.8, 12.4, 57.0, 88, 46.0, 18.0, 9.0, 34.0, 11.0],
    "gothenburg": [19.7, 4.6, 26.0, 63, 47.0, 40.0, 8.0, 69.0, 33.0],
}

# How much each indicator changed in a year (latest minus the year before), in IND order.
INDICATOR_YEARLY_CHANGE: list[float] = [-1.2, -0.4, -3.0, -2, 1.5, 2.5, 1.0, 4.0, 3.0]

INDICATOR_SOURCES: dict[str, str] = {
    "IND.1": "Contract award notices (TED and national portal), {unit}",
    "IND.2": "Contract register, direct awards without prior publication",
    "IND.3": "Award criteria recorded in the e-tendering system",
    "IND.4": "E-tendering system: days from the bid deadline to the award decision",
    "IND.5": "Contract register matched with the national business register (company size)",
    "IND.6": "E-tendering system, procedures above the national thresholds",
    "IND.7": "Accounts payable: spend under joint and central purchasing agreements",
    "IND.8": "Tender documents, sustainability criteria tagged by buyers",
    "IND.9": "Market-consultation records of {unit}",
}

# One evidence document per city (besides Tampere's two).
CITY_EVIDENCE: dict[str, dict] = {
    "espoo": {
        "filename": "Espoo_innovation_procurement_roadmap_2025.pdf",
        "criterion": "WHAT.2",
        "description": "Roadmap for scaling innovation procurement, approved by the City Manager's group.",
        "title": "City of Espoo - Innovation procurement roadmap 2025-2028",
        "lines": [
            "Target: 5% of the investment budget in innovation procurement by 2028.",
            "Pilots with Aalto University and the Otaniemi ecosystem: school buildings, smart mobility.",
            "From pilot to scale: a common procedure for moving a successful pilot into a framework agreement.",
        ],
    },
    "malmo": {
        "filename": "Malmo_food_policy_follow-up_2025.pdf",
        "criterion": "WHAT.3",
        "description": "Follow-up of the policy for sustainable development and food, 2025.",
        "title": "City of Malmo - Food policy follow-up 2025",
        "lines": [
            "Organic share of food purchases: 74% (target 100%).",
            "Food-related greenhouse-gas emissions: -31% against the 2002 baseline (target -40%).",
            "Seasonal menus and plant-based days in all schools since 2023.",
        ],
    },
    "utrecht": {
        "filename": "Utrecht_Social_Return_monitor_2025.pdf",
        "criterion": "WHAT.2",
        "description": "Social Return on Investment monitor: commitments and realisation per supplier.",
        "title": "Gemeente Utrecht - Social Return monitor 2025",
        "lines": [
            "Contracts with a Social Return obligation: 312.",
            "Commitments realised: 81% (value EUR 14.2 million).",
            "Placements: 640 people, of whom 58% still employed after one year.",
        ],
    },
    "ghent": {
        "filename": "Ghent_circular_procurement_pilots_evaluation.pdf",
        "criterion": "WHAT.2",
        "description": "Evaluation of the circular-procurement pilots for furniture, textiles and ICT.",
        "title": "City of Ghent - Circular procurement pilots: evaluation",
        "lines": [
            "Furniture: 62% of office furniture refurbished or reused in the 2024 contract.",
            "ICT: laptops bought as a service with take-back and refurbishment.",
            "Textiles: work clothes with recycled fibre content and a repair service.",
        ],
    },
    "porto": {
        "filename": "Porto_procurement_data_report_2025.pdf",
        "criterion": "RESULT.2",
        "description": "Procedure data extracted from the e-procurement platforms and BASE.",
        "title": "Porto City Council - Public procurement data report 2025",
        "lines": [
            "Procedures published on BASE: 1,184.",
            "Median time from bid deadline to award: 88 days.",
            "Direct awards (ajuste direto): 12.4% of procedures.",
        ],
    },
    "gothenburg": {
        "filename": "Gothenburg_sustainability_requirements_follow-up_2025.pdf",
        "criterion": "RESULT.1",
        "description": "Annual follow-up of sustainability requirements reported to the city executive board.",
        "title": "City of Gothenburg - Follow-up of sustainability requirements 2025",
        "lines": [
            "Employment requirements in 146 contracts; 412 people employed through suppliers.",
            "Climate requirements in 69% of procedures.",
            "Audits of working conditions at 38 suppliers.",
        ],
    },
}

# Narrative templates per criterion; the first criterion of each theme is followed by the flavour.
GENERIC_NARRATIVES: dict[str, str] = {
    "WHY.1": "{city} spends about {spend} a year on external goods, services and works. The procurement policy states that procurement serves the city's goals, and the annual procurement report shows spend by category and supplier to the city management.",
    "WHY.2": "During the energy and inflation crisis the city reviewed price clauses in its main contracts and used index-linking in new ones. Climate goals are translated into procurement measures, followed up in the city's climate reporting.",
    "WHY.3": "Buyers at {unit} mostly use open procedures, with competitive dialogue and negotiation for complex works and ICT. Pre-commercial procurement and reserved contracts have been used in a few cases with external support.",
    "WHAT.1": "Make-or-buy decisions are made in the service areas. Large contracts have named contract managers and regular supplier meetings; smaller ones are followed up when problems arise.",
    "WHAT.2": "The city divides contracts into lots where local and small suppliers are active, publishes a forward procurement plan and holds supplier information days. The share of SMEs among contract winners is followed every year.",
    "WHAT.3": "Procurement plans for the largest contracts name the strategic goal they serve (climate, social inclusion, innovation or the local economy), and standard criteria are available for each goal.",
    "HOW.1": "The procurement policy is approved by the city council and {unit} reports to the city's top management. Procurement news and the forward plan are published on the city's website.",
    "HOW.2": "{unit} coordinates city-wide framework agreements and meets the service areas' procurement contacts regularly. Links with budget planning and with the city's companies are informal.",
    "HOW.3": "The move to strategic procurement has been led by the procurement management with a training programme for buyers. Budget holders have been reached through management meetings rather than a change plan.",
    "HOW.4": "Buyers use an e-tendering system, a contract register and model documents with standard sustainability criteria. Legal advice comes from the city's legal services; new buyers receive an induction and yearly training.",
    "HOW.5": "The central unit has experienced buyers and category managers; in the service areas procurement is often a part-time task. Recruiting experienced buyers has become harder in recent years.",
    "WHO.1": "Decision levels are set in the city's delegation rules; the largest procurements are decided by the executive board. Award decisions are published.",
    "WHO.2": "A documented procurement process with checklists covers needs, market analysis, tendering, award and contract. It is followed consistently above the EU thresholds and more loosely below them.",
    "WHO.3": "Procurement teams with end users and specialists (environment, social affairs, ICT) are formed for large procurements. In smaller procurements the buyer and the budget holder work alone.",
    "WHO.4": "The city buys together with neighbouring municipalities in selected categories and takes part in the national network of large buyers, sharing tender documents and criteria.",
    "WHO.5": "Market consultations are held before large or new procurements, with published information and equal treatment of companies. Start-ups and social enterprises are invited through the city's business services.",
    "RESULT.1": "The procurement policy is reviewed when it is renewed; the annual procurement report describes what was done under each goal.",
    "RESULT.2": "Indicators cover SME share, lots, sustainability criteria and procedure times. Baselines exist for some of them; targets are set only for the climate-related indicators.",
    "RESULT.3": "A spend analysis by category and supplier is made yearly. The use of sustainability criteria is recorded in the e-tendering system; effects on the local economy are estimated only for large projects.",
    "RESULT.4": "Lessons are collected after large procurements. Supplier feedback is gathered occasionally, and procedure times are monitored by the central unit.",
    "ISLAND.1": "{city} asks for simpler rules for small innovation procurements and clearer national guidance on social clauses and labour conditions in service contracts.",
    "ISLAND.2": "A national procurement data service combining notices, contract values and supplier data would save each city from building its own spend analysis.",
    "ISLAND.3": "Closer collaboration between the state's central purchasing body and the large cities, and European peer exchange between procurement units, would speed up learning.",
}

# What an evaluator noticed per criterion (the start of a score comment, also used in rationales).
GENERIC_SCORE_NOTES: dict[str, str] = {
    "WHY.1": "Spend analysis and the policy link are documented",
    "WHY.2": "The crisis response is visible in contract clauses and climate reporting",
    "WHY.3": "Less common procedures are used, but mostly with external support",
    "WHAT.1": "Contract management is strong for large contracts only",
    "WHAT.2": "Lots and supplier days are in place and SME share is followed",
    "WHAT.3": "Strategic goals appear in the procurement plans of the largest contracts",
    "HOW.1": "The mandate is clear and the forward plan is public",
    "HOW.2": "Coordination is regular inside the city but informal with budgeting",
    "HOW.3": "Change has reached buyers more than budget holders",
    "HOW.4": "Tools, model documents and legal support are in place",
    "HOW.5": "Capacity is concentrated in the central unit",
    "WHO.1": "Delegation rules are clear and decisions are published",
    "WHO.2": "The process is documented; its use below the thresholds is looser",
    "WHO.3": "Cross-functional teams exist for large procurements",
    "WHO.4": "Joint procurement and network participation are established",
    "WHO.5": "Market consultations are held with equal-treatment rules",
    "RESULT.1": "Policy evaluation describes activity more than results",
    "RESULT.2": "Some indicators have baselines; few have targets",
    "RESULT.3": "Spend is analysed yearly; local-economy effects are estimated only for projects",
    "RESULT.4": "Process evaluation is occasional",
}

# How an evaluator's score relates to the city's self-score, rotated between evaluators.
SCORE_STANCES: dict[str, list[str]] = {
    "same": [
        "I agree with the city's self-score.",
        "The evidence supports the self-score.",
        "Same level as the city; the interviews should confirm it.",
    ],
    "lower": [
        "I score one level below the city: the practice is not yet systematic across the organisation.",
        "Lower than the self-score, as I found no follow-up with indicators.",
        "The pre-report describes intentions more than practice; hence a lower score.",
    ],
    "higher": [
        "The city undersells itself here; the evidence shows a higher level.",
        "I score above the city: the practice is documented and applied widely.",
        "Higher than the self-score, given the examples in the evidence files.",
    ],
}

# Each evaluator's deviation from the self-score, per criterion position (cycled), by panel seat.
SCORE_OFFSETS: list[list[int]] = [
    [0, -1, 0, 0, 1, 0, -1, 0, 0, 0],
    [0, 0, -1, 1, 0, 0, 0, -1, 0, 1],
    [1, 0, 0, -1, 0, 0, 0, 0, -1, 0],
]

LEVEL_REASONS: dict[int, str] = {
    0: "the practice is not in place",
    1: "the practice exists but depends on individuals and is not documented",
    2: "the approach is documented and applied in part of the organisation, but not followed with indicators",
    3: "the approach is systematic and followed with indicators, though not yet evaluated and improved in a regular cycle",
    4: "the approach is measured, improved and shared with other cities",
}

GENERIC_RATIONALE = "{note}. The panel agreed on level {level}: {reason}."

# Findings templates per criterion for the draft reports (evidence, strengths, areas to develop).
GENERIC_FINDINGS: dict[str, tuple[str, str, str]] = {
    "WHY.1": (
        "Procurement policy; annual procurement report; interview with city management.",
        "Spend is known and discussed by management.",
        "Show what procurement changed, not only what was bought.",
    ),
    "WHY.2": (
        "Price-clause review; climate reporting.",
        "A fair response to the inflation crisis.",
        "A written crisis-preparedness plan for procurement.",
    ),
    "WHY.3": (
        "Procedures register; interviews with buyers.",
        "Complex procedures are used when needed.",
        "Build in-house know-how on innovation procurement and reserved contracts.",
    ),
    "WHAT.1": (
        "Contract register; interviews with contract managers.",
        "Large contracts are well managed.",
        "A risk-based contract-management model for all significant contracts.",
    ),
    "WHAT.2": (
        "Indicator annex; supplier interviews.",
        "Lots and supplier days open the market to SMEs.",
        "Follow new entrants and single-bidder procedures by category.",
    ),
    "WHAT.3": (
        "Procurement plans sampled by the panel.",
        "Strategic goals are named for the largest procurements.",
        "Follow the goals through contract management.",
    ),
    "HOW.1": (
        "Policy documents; website.",
        "A clear mandate and a public forward plan.",
        "Reach frontline managers.",
    ),
    "HOW.2": (
        "Coordination minutes; budget instructions.",
        "Regular coordination of framework agreements.",
        "Link procurement planning to the budget cycle.",
    ),
    "HOW.3": (
        "Training records; interviews.",
        "Buyers have embraced the strategic role.",
        "A change plan for budget holders.",
    ),
    "HOW.4": (
        "E-tendering system; model documents.",
        "Good tools and model criteria.",
        "Contract-management templates.",
    ),
    "HOW.5": (
        "Staffing figures; interviews.",
        "An experienced central team.",
        "Competences in the service areas and retention of buyers.",
    ),
    "WHO.1": ("Delegation rules; published decisions.", "Clear decision levels.", ""),
    "WHO.2": (
        "Process description; sample of procedures.",
        "A documented process with checklists.",
        "A lighter process for procedures below the EU thresholds.",
    ),
    "WHO.3": (
        "Tender documentation of large procurements.",
        "Cross-functional teams for large procurements.",
        "Make end-user and specialist involvement the default.",
    ),
    "WHO.4": (
        "Joint procurement agreements; network minutes.",
        "Established joint procurement with neighbours.",
        "Align joint criteria with the city's own goals.",
    ),
    "WHO.5": (
        "Market-consultation records; business interviews.",
        "Transparent market consultations.",
        "Extend consultations to mid-sized procurements.",
    ),
    "RESULT.1": (
        "Policy review; annual report.",
        "The policy is reviewed.",
        "Evaluate results and involve an independent view.",
    ),
    "RESULT.2": (
        "Indicator list; annex.",
        "Several indicators are measured.",
        "Baselines and targets for each indicator.",
    ),
    "RESULT.3": (
        "Spend analysis.",
        "A yearly spend analysis.",
        "Estimate local-economy effects systematically.",
    ),
    "RESULT.4": (
        "Lessons-learnt notes.",
        "Lessons are collected after large procurements.",
        "Regular supplier feedback and process reviews.",
    ),
    "ISLAND.1": ("Pre-report.", "Concrete proposals for national rules.", ""),
    "ISLAND.2": ("Pre-report.", "", "A national procurement data service."),
    "ISLAND.3": ("Pre-report.", "", "A forum between the state's purchasing body and the cities."),
}

# A two-day programme for the other rounds: day offset, location, sessions.
GENERIC_PROGRAMME: list[dict] = [
    {
        "offset": 0,
        "location": "{city} City Hall",
        "sessions": [
            {
                "start": "09:00",
                "end": "10:30",
                "topic": "Strategy and mandate: political leadership and city management",
                "criteria": ["WHY.1", "WHAT.3", "HOW.1"],
                "interviewees": [
                    ("political", "", "Deputy mayor responsible for procurement", False),
                    ("management", "", "City director's office", False),
                ],
            },
            {
                "start": "10:45",
                "end": "12:15",
                "topic": "The procurement unit: organisation, tools and competences",
                "criteria": ["HOW.2", "HOW.4", "HOW.5"],
                "interviewees": [
                    ("procurement_head", "", "{unit}", True),
                    ("buyer", "", "{unit}, category manager", False),
                ],
            },
            {
                "start": "13:15",
                "end": "15:00",
                "topic": "Buyers and contract managers in the service areas",
                "criteria": ["WHAT.1", "WHO.2", "WHO.3"],
                "interviewees": [
                    ("buyer", "", "Education services", False),
                    ("contract_manager", "", "Public works and maintenance", False),
                ],
            },
        ],
    },
    {
        "offset": 1,
        "location": "{city} City Hall and online",
        "sessions": [
            {
                "start": "09:00",
                "end": "10:30",
                "topic": "Local businesses, SMEs and social enterprises",
                "criteria": ["WHAT.2", "WHO.5"],
                "interviewees": [
                    ("business", "", "Local chamber of commerce", True),
                    ("business", "", "Small construction company", False),
                    ("business", "", "Social-economy enterprise", False),
                ],
            },
            {
                "start": "10:45",
                "end": "12:00",
                "topic": "Results: indicators, evaluation and the city's guiding questions",
                "criteria": ["RESULT.1", "RESULT.2", "RESULT.3", "RESULT.4"],
                "interviewees": [
                    ("procurement_head", "", "{unit}", True),
                    ("management", "", "Finance and controlling", False),
                ],
            },
            {
                "start": "13:00",
                "end": "14:00",
                "topic": "Panel feedback to the procurement management",
                "criteria": [],
                "interviewees": [],
            },
        ],
    },
]

GENERIC_SESSION_NOTES = (
    "Discussion confirmed most of the pre-report. Points to follow up in the report: {note}."
)

# --- draft reports ----------------------------------------------------------------------

GOTHENBURG_REPORT: dict[str, str] = {
    "executive_summary": (
        "Gothenburg has built one of the most mature procurement organisations in the network. The central "
        "office Inköp och upphandling gives the city scale and consistency, and employment requirements "
        "have made procurement a real instrument of the city's social policy.\n\n"
        "The panel sees the next step in the link between procurement and the budget holders: category "
        "councils exist, but decisions on needs and volumes are still taken elsewhere. Results are "
        "reported every year, yet the city cannot yet show the lasting effect of its employment "
        "requirements, which is the city's own first guiding question.\n\n"
        "Priority actions: make category councils the place where category strategies are decided "
        "(AP-1), follow up employment requirements over three years (AP-2) and strengthen contract "
        "management capacity in the administrations (AP-3)."
    ),
    "key_strengths": (
        "- A central procurement office serving all administrations and municipal companies.\n"
        "- Employment requirements applied systematically in construction and service contracts.\n"
        "- An annual follow-up of sustainability requirements reported to the city executive board.\n"
        "- Category councils that bring buyers, budget holders and specialists together."
    ),
    "purpose_and_scope": (
        "The city asked the panel to assess its procurement against the whole framework, with emphasis on "
        "its two guiding questions: the effects of employment requirements and the role of category "
        "councils. The review covered the city's administrations and the central procurement office; the "
        "municipal companies were included where they use the city's framework agreements."
    ),
    "process_notes": (
        "The city submitted a complete pre-report. Two evaluators scored independently; the panel met "
        "the city over two assessment days and interviewed 13 people in five sessions, followed by a feedback session with the procurement management. Conflict statement: "
        "no evaluator works for Gothenburg or for a city sharing a joint procurement unit with it; no "
        "conflicts were declared."
    ),
    "next_steps": (
        "After the factual check the coordinator publishes the report. The city reports progress on each "
        "action proposal in the repeat round, about 18 months after publication."
    ),
}

GOTHENBURG_PROPOSALS: list[dict] = [
    {
        "criterion": "HOW.2",
        "title": "Make category councils decide category strategies",
        "description": "Give each category council a mandate to approve the category strategy, including demand management and volumes, with the budget holders present.",
        "priority": "high",
        "owner": "Head of Inköp och upphandling, with the administration directors",
        "timeframe": "12 months",
        "success_indicator": "Category strategies for the ten largest categories approved by their councils",
    },
    {
        "criterion": "RESULT.1",
        "title": "Follow up employment requirements over three years",
        "description": "Track people employed through employment requirements for three years after placement, with the labour-market administration.",
        "priority": "high",
        "owner": "Inköp och upphandling and the Labour Market and Adult Education Administration",
        "timeframe": "24 months",
        "success_indicator": "Share of people still employed after 12 and 36 months reported yearly",
    },
    {
        "criterion": "HOW.5",
        "title": "Strengthen contract-management capacity in the administrations",
        "description": "A network of trained contract managers in each administration, with a common competence profile and tools.",
        "priority": "high",
        "owner": "Administration directors",
        "timeframe": "18 months",
        "success_indicator": "Every contract above SEK 10 million has a trained contract manager",
    },
    {
        "criterion": "RESULT.2",
        "title": "Set targets for the procurement indicators",
        "description": "Add targets to the indicators already reported to the executive board, starting with single-bidder share and market dialogue.",
        "priority": "medium",
        "owner": "Inköp och upphandling, analysis team",
        "timeframe": "12 months",
        "success_indicator": "Targets approved for all nine network indicators",
    },
    {
        "criterion": "WHO.5",
        "title": "Open market dialogue to mid-sized procurements",
        "description": "A light market-dialogue format (online information session and published Q&A) for procurements between SEK 2 and 10 million.",
        "priority": "medium",
        "owner": "Category managers",
        "timeframe": "12 months",
        "success_indicator": "Share of procurements preceded by market dialogue above 40%",
    },
    {
        "criterion": "RESULT.4",
        "title": "Ask suppliers for feedback every year",
        "description": "An annual supplier survey on the city's procurement process and contract management.",
        "priority": "low",
        "owner": "Inköp och upphandling",
        "timeframe": "6 months",
        "success_indicator": "Survey run yearly with a response rate above 30%",
    },
]

GOTHENBURG_GOOD_PRACTICE: dict[str, str] = {
    "WHAT.3": "Employment requirements as a standard clause in construction and service contracts.",
    "WHO.3": "Category councils with buyers, budget holders and specialists.",
}

PORTO_REPORT: dict[str, str] = {
    "executive_summary": (
        "DRAFT — Porto has a solid legal and digital foundation for its procurement: every procedure "
        "runs electronically and is published, which gives the city complete procedure data. The panel's "
        "main message is that this data is not yet used to steer procurement towards the city's climate "
        "and economic goals. [Lead evaluator: finish after the panel call on the RESULT theme.]"
    ),
    "key_strengths": "",
    "purpose_and_scope": (
        "Porto asked the panel to look at the use of procurement data, SME and start-up access, and the "
        "organisation of contract management after the 2025 reorganisation of the procurement department."
    ),
    "process_notes": "",
    "next_steps": "",
}

PORTO_PROPOSALS: list[dict] = [
    {
        "criterion": "RESULT.2",
        "title": "Build a procurement dashboard from the e-procurement data",
        "description": "Use the complete procedure data to report the network's nine indicators to the executive every quarter.",
        "priority": "high",
        "owner": "Municipal Department of Public Procurement",
        "timeframe": "12 months",
        "success_indicator": "Quarterly dashboard in use by the executive",
    },
    {
        "criterion": "WHAT.1",
        "title": "Define the contract-management model with the municipal services",
        "description": "Agree who manages which contracts after award, with a risk classification.",
        "priority": "high",
        "owner": "Director of Public Procurement",
        "timeframe": "12 months",
        "success_indicator": "",
    },
    {
        "criterion": "WHO.5",
        "title": "Hold market consultations before large procurements",
        "description": "",
        "priority": "medium",
        "owner": "",
        "timeframe": "",
        "success_indicator": "",
    },
]

# Porto's draft findings: only the first themes are written so far.
PORTO_WRITTEN_THEMES = ("WHY", "WHAT")

# --- summary table of the command ---------------------------------------------------------

ROLE_LABELS = {
    "coordinator": "coordinator, admin",
    "member": "host member",
    "evaluator": "evaluator",
}


# --- earlier reviews, published: the network's library --------------------------------------
# Four cities had their first review about two years ago; each published its report to the
# network or the public, so the library and the good-practice view have something to show.
# Findings come from the generic templates; the good practice and action proposals are the city's own.

EARLIER_PUBLISHED: dict[str, dict] = {
    "malmo": {
        "opens": -820,
        "seats": [("jan.devries@demo.eu", "lead"), ("mikko.virtanen@demo.eu", "member")],
        "level": "public",
        "report": {
            "executive_summary": (
                "Malmö uses procurement deliberately for its social goals: reserved contracts and social "
                "clauses are part of the city's daily work, and the Procurement Unit knows its markets well. "
                "The panel recommends turning a strong practice of change management into a city-wide "
                "routine and measuring the effects of the social clauses, not only their use.\n\n"
                "Priority actions: a change-management playbook for new procurement rules (AP-1) and an "
                "annual effects report on social clauses (AP-2)."
            ),
            "key_strengths": (
                "- Social clauses and reserved contracts used systematically.\n"
                "- A change-management approach for new rules that the panel recommends to the network.\n"
                "- Close cooperation with the region of Skåne on framework agreements."
            ),
            "purpose_and_scope": "The whole procurement of the city administration, with emphasis on social value.",
            "process_notes": (
                "Two evaluators scored independently and met the city over two assessment days. No evaluator "
                "works for Malmö; no conflicts were declared."
            ),
            "next_steps": "The city reports progress on each action proposal in its next review.",
        },
        "good_practice": {
            "HOW.3": (
                "Change management for new procurement rules: every change comes with a one-page brief, a "
                "named change owner in each administration, a 30-minute training clip and a follow-up "
                "survey after three months."
            ),
            "WHAT.2": (
                "Reserved contracts for social enterprises in park maintenance and catering, with a "
                "supplier-development programme that helped twelve work-integration enterprises bid."
            ),
            "WHO.4": "Joint framework agreements with the Skåne region and its municipalities for ICT and vehicles.",
        },
        "proposals": [
            {
                "criterion": "HOW.3",
                "title": "Write the change-management approach down as a playbook",
                "description": "Turn the practice of the Procurement Unit into a short playbook every administration follows when procurement rules change.",
                "priority": "high",
                "owner": "Head of the Procurement Unit",
                "timeframe": "9 months",
                "success_indicator": "Playbook in use for every change of the procurement instruction",
            },
            {
                "criterion": "RESULT.3",
                "title": "Report the effects of social clauses every year",
                "description": "Count people employed and apprenticeships created through social clauses, with the labour-market department.",
                "priority": "high",
                "owner": "Procurement Unit analysis team",
                "timeframe": "12 months",
                "success_indicator": "Annual effects report presented to the City Executive Board",
            },
            {
                "criterion": "WHAT.1",
                "title": "Introduce supplier performance reviews for large contracts",
                "description": "Twice-yearly reviews with a common agenda for contracts above SEK 20 million.",
                "priority": "medium",
                "owner": "Contract managers",
                "timeframe": "12 months",
                "success_indicator": "Reviews held for all contracts above SEK 20 million",
            },
        ],
    },
    "utrecht": {
        "opens": -790,
        "seats": [("sofie.peeters@demo.eu", "lead"), ("ana.sousa@demo.eu", "member")],
        "level": "network",
        "report": {
            "executive_summary": (
                "Utrecht leads the network on circular procurement: circularity is asked for in furniture, "
                "construction and ICT tenders, and the city measures the material it saves. The panel's main "
                "recommendation is to give contract managers the time and tools to enforce what the tenders "
                "ask for, and to share the circular criteria library with the network.\n\n"
                "Priority actions: contract-management capacity for circular requirements (AP-1) and a "
                "published criteria library (AP-2)."
            ),
            "key_strengths": (
                "- Circular criteria in furniture, construction and ICT tenders.\n"
                "- Social return (Social Return on Investment) applied in contracts above EUR 100,000.\n"
                "- A procurement plan published every year for the market."
            ),
            "purpose_and_scope": "Utrecht asked the panel to focus on circular procurement and contract management.",
            "process_notes": (
                "Two evaluators scored independently; two assessment days with interviews in five sessions. "
                "No conflicts were declared."
            ),
            "next_steps": "The city reports progress on each action proposal in its next review.",
        },
        "good_practice": {
            "WHAT.3": (
                "Circularity criteria in every furniture tender since 2022: re-use first, then refurbished, "
                "then new with a take-back obligation; 68% of office furniture is now re-used."
            ),
            "WHO.5": (
                "Market consultations published as open minutes, with a 'reverse pitch' where the city "
                "presents its need to start-ups before the tender."
            ),
            "HOW.4": "A circular criteria library with model clauses and verification methods for each category.",
        },
        "proposals": [
            {
                "criterion": "WHAT.1",
                "title": "Give contract managers time to enforce circular requirements",
                "description": "Plan contract-management hours per contract by risk, and a checklist for verifying circular clauses.",
                "priority": "high",
                "owner": "Inkoop & Aanbesteden",
                "timeframe": "12 months",
                "success_indicator": "Circular clauses verified in 80% of contracts where they apply",
            },
            {
                "criterion": "WHO.4",
                "title": "Share the circular criteria library with the network",
                "description": "Publish the library in English so that other cities of the network can reuse it.",
                "priority": "medium",
                "owner": "Category manager for sustainability",
                "timeframe": "6 months",
                "success_indicator": "Library published and used by at least two other cities",
            },
            {
                "criterion": "RESULT.2",
                "title": "Set a target for the share of re-used materials",
                "description": "",
                "priority": "medium",
                "owner": "Inkoop & Aanbesteden, with the sustainability programme",
                "timeframe": "12 months",
                "success_indicator": "Target approved by the municipal executive",
            },
        ],
    },
    "ghent": {
        "opens": -760,
        "seats": [("eva.lund@demo.eu", "lead"), ("karin.lindqvist@demo.eu", "member")],
        "level": "network",
        "report": {
            "executive_summary": (
                "Ghent's joint procurement office for the city and its social welfare centre (OCMW) gives "
                "scale and one face to the market. The city is strong in food procurement for its "
                "sustainable food strategy and in co-creation with end users. The panel recommends a clear "
                "change plan for the merged organisation and indicators that show results, not activity.\n\n"
                "Priority actions: a change plan for the joint office (AP-1) and result indicators (AP-2)."
            ),
            "key_strengths": (
                "- One procurement office for the city and OCMW Ghent.\n"
                "- Short food chains in school and care-home catering.\n"
                "- End users in the procurement team for care and catering."
            ),
            "purpose_and_scope": "The whole procurement of the city and OCMW Ghent after their merger.",
            "process_notes": (
                "Two evaluators scored independently and met the city over two assessment days. Jan de Vries "
                "declared a conflict with Ghent and was not invited."
            ),
            "next_steps": "The city reports progress on each action proposal in its next review.",
        },
        "good_practice": {
            "WHY.1": (
                "Food procurement for the Ghent en Garde food strategy: lots sized for local farmers and "
                "short food chains in school and care-home catering."
            ),
            "WHO.3": (
                "Care-home residents and cooks in the catering procurement team, with tasting sessions "
                "that count in the award."
            ),
            "HOW.3": (
                "A change network of 25 ambassadors in the departments who test new templates before they "
                "are rolled out, and meet every quarter."
            ),
        },
        "proposals": [
            {
                "criterion": "HOW.2",
                "title": "Write a change plan for the joint procurement office",
                "description": "Agree roles, processes and service levels between the office and the departments of the city and OCMW.",
                "priority": "high",
                "owner": "Head of the Procurement Office",
                "timeframe": "9 months",
                "success_indicator": "Service-level agreement signed with every department",
            },
            {
                "criterion": "RESULT.2",
                "title": "Report results, not only activity",
                "description": "Add result indicators (share of local and organic food, single bidders) to the annual report.",
                "priority": "high",
                "owner": "Procurement Office",
                "timeframe": "12 months",
                "success_indicator": "Annual report with the network's nine indicators",
            },
            {
                "criterion": "WHAT.2",
                "title": "Follow the effect of smaller lots on local suppliers",
                "description": "",
                "priority": "low",
                "owner": "Category manager for food",
                "timeframe": "18 months",
                "success_indicator": "Number of local suppliers with a contract, yearly",
            },
        ],
    },
    "gothenburg": {
        "opens": -740,
        "seats": [("ana.sousa@demo.eu", "lead"), ("jan.devries@demo.eu", "member")],
        "level": "network",
        "report": {
            "executive_summary": (
                "Gothenburg's first review found a large, professional procurement office with a clear "
                "mandate, and employment requirements that already work in construction. The panel "
                "recommends bringing budget holders into category decisions and following up the social "
                "requirements over time.\n\n"
                "Priority actions: category councils (AP-1) and a follow-up of employment requirements (AP-2)."
            ),
            "key_strengths": (
                "- A central procurement office with a clear mandate.\n"
                "- Employment requirements in construction contracts.\n"
                "- Digital contract register used by all administrations."
            ),
            "purpose_and_scope": "The whole procurement of the city administrations.",
            "process_notes": "Two evaluators scored independently; two assessment days. No conflicts were declared.",
            "next_steps": "The city reports progress on each action proposal in its next review.",
        },
        "good_practice": {
            "WHAT.3": "Employment requirements in construction contracts, followed up by a dedicated coordinator.",
            "HOW.5": (
                "A procurement trainee programme: eight graduates a year rotate through categories and "
                "administrations, and most stay with the city."
            ),
        },
        "proposals": [
            {
                "criterion": "HOW.2",
                "title": "Create category councils with the budget holders",
                "description": "One council per large category, where buyers and budget holders agree on needs and volumes.",
                "priority": "high",
                "owner": "Inköp och upphandling",
                "timeframe": "12 months",
                "success_indicator": "Councils in place for the ten largest categories",
            },
            {
                "criterion": "RESULT.1",
                "title": "Follow up employment requirements",
                "description": "Agree with the labour-market administration how people employed through the requirements are followed up.",
                "priority": "high",
                "owner": "Inköp och upphandling",
                "timeframe": "12 months",
                "success_indicator": "Yearly follow-up report",
            },
        ],
    },
    "espoo": {
        "opens": -700,
        "seats": [("karin.lindqvist@demo.eu", "lead"), ("sofie.peeters@demo.eu", "member")],
        "level": "network",
        "report": {
            "executive_summary": (
                "Espoo's Procurement Services buy well for the city's own units and know the market of the "
                "capital region. Procurement is not yet used as a tool for the city's strategy: the city's "
                "goals for carbon neutrality and for small businesses rarely reach the tenders. The panel "
                "recommends a procurement programme approved by the city council, with indicators.\n\n"
                "Priority actions: a procurement programme with targets (AP-1) and market dialogue before every "
                "large tender (AP-2)."
            ),
            "key_strengths": (
                "- Skilled buyers and a well-run tendering process.\n"
                "- Joint procurement with Helsinki and Vantaa through the capital region's units.\n"
                "- Electronic tendering and contract management in one system."
            ),
            "purpose_and_scope": "The whole procurement of the city of Espoo, with emphasis on its strategy.",
            "process_notes": (
                "Two evaluators scored independently and met the city over two assessment days. No evaluator "
                "works for Espoo; no conflicts were declared."
            ),
            "next_steps": "The city reports progress on each action proposal in its next review.",
        },
        "good_practice": {
            "HOW.4": (
                "One system for electronic tendering and contract management: every contract has a named "
                "manager, its key dates and its supplier reviews in the same place as its tender."
            ),
        },
        "proposals": [
            {
                "criterion": "WHAT.3",
                "title": "Adopt a procurement programme with targets",
                "description": "A programme approved by the city council that turns the carbon-neutrality and small-business goals into procurement targets.",
                "priority": "high",
                "owner": "Procurement Services",
                "timeframe": "12 months",
                "success_indicator": "Programme approved; targets followed in the yearly report",
            },
            {
                "criterion": "WHO.5",
                "title": "Hold a market dialogue before every large tender",
                "description": "Open market dialogue for tenders above EUR 500,000, announced in the procurement plan.",
                "priority": "high",
                "owner": "Category managers",
                "timeframe": "6 months",
                "success_indicator": "Market dialogue held before 80% of large tenders",
            },
        ],
    },
}
