"""The demo committees' data tables: committees, their business, partners, services, wishes,
teams and campaigns of 世纪城社区."""

from ..models import CommitteeKind, OrganisationKind, PartnerKind, ServiceMode, Theme

# kind, name, director (a demo user), other portal users, outside contacts
# (organisation kind, organisation, contact), what it does
COMMITTEES = [
    (CommitteeKind.RESIDENTS, "居民委员会", "sjc_secretary", ["sjc_g4_1_party"],
     [], "社区居民自治组织，议定社区公共事务，收集居民意见建议。"),
    (CommitteeKind.PROPERTY, "物业服务委员会", "sjc_hub1_head",
     ["sjc_hub1_property", "sjc_hub2_property"],
     [(OrganisationKind.PROPERTY, "世纪城物业服务有限公司", "陈建国"),
      (OrganisationKind.PROPERTY, "世纪城物业服务有限公司", "刘海燕"),
      (OrganisationKind.MALL, "世纪城商场管理处", "赵明")],
     "统筹7个片区物业服务，协调维修、保洁、绿化、停车等事项，4个大区8个小区分片议事。"),
    (CommitteeKind.DISPUTE, "诉源治理委员会", "sjc_staff", ["sjc_g4_1_police"],
     [(OrganisationKind.POLICE, "世纪城派出所", "杨警官"),
      (OrganisationKind.COURT, "官渡区人民法院", "周法官"),
      (OrganisationKind.PROCURATORATE, "官渡区人民检察院", "吴检察官"),
      (OrganisationKind.JUSTICE, "官渡区司法局世纪城司法所", "孙所长")],
     "派出所、法院、检察院、司法所与社区联动，矛盾纠纷排查化解在萌芽。"),
    (CommitteeKind.PUBLIC_SERVICE, "公共服务委员会", "sjc_hub2_head", [],
     [(OrganisationKind.HEALTH, "世纪城社区卫生服务中心", "马医生"),
      (OrganisationKind.SCHOOL, "世纪城小学", "何校长")],
     "统筹养老认证、医保登记、证明开具、上门服务等公共服务事项。"),
    (CommitteeKind.MUTUAL_AID, "合作互助委员会", "sjc_hub3_head", [],
     [(OrganisationKind.COMPANY, "世纪城购物中心", "郭经理"),
      (OrganisationKind.OTHER, "春城爱心社工服务中心", "林社工")],
     "对接共建单位资源，认领微心愿，组织邻里互助与困难帮扶。"),
]

# Per committee kind: agenda items, and decisions ("{grid}" a level-5 grid, "{hub}" a hub).
BUSINESS = {
    CommitteeKind.RESIDENTS: (
        ["通报上季度居民诉求办理情况", "老旧小区改造意见征集", "独居老人关爱走访安排",
         "居民公约修订", "垃圾分类推进", "停车秩序整治"],
        ["修缮{grid}单元门禁", "为{grid}独居老人安装紧急呼叫器", "整治{hub}非机动车乱停放",
         "在{grid}增设垃圾分类指导点"]),
    CommitteeKind.PROPERTY: (
        ["物业服务质量评议", "维修资金使用公示", "电梯维保情况通报", "绿化补植计划",
         "加装电梯意见征集"],
        ["更换{grid}楼道照明", "修复{grid}破损路面", "督促{hub}电梯年检整改",
         "清理{grid}楼道堆放杂物"]),
    CommitteeKind.DISPUTE: (
        ["派出所通报矛盾纠纷排查情况", "法院诉前调解案例分析", "重点家庭矛盾回访",
         "邻里噪音纠纷调处"],
        ["回访{grid}楼上漏水纠纷当事双方", "对{grid}家庭纠纷开展入户回访",
         "在{hub}开展诉前调解进小区活动"]),
    CommitteeKind.PUBLIC_SERVICE: (
        ["养老资格认证集中办理安排", "医保登记进度", "家庭医生签约推进", "长者食堂运营"],
        ["组织{hub}高龄老人上门认证", "为{grid}残疾人上门办理医保登记",
         "在{hub}开展家庭医生签约服务"]),
    CommitteeKind.MUTUAL_AID: (
        ["微心愿认领情况", "共建单位资源对接", "困难家庭帮扶", "志愿服务积分兑换"],
        ["对接共建单位认领{grid}微心愿", "为{hub}困难家庭发放过冬物资",
         "组织志愿者为{grid}老人上门理发"]),
}

DELIBERATIONS = [
    (CommitteeKind.PROPERTY, "一事一议：加装电梯", ["加装电梯意向调查", "费用分摊方案"],
     ["{grid}1栋2单元加装电梯意向征集并公示"]),
    (CommitteeKind.DISPUTE, "一事一议：夜市油烟扰民", ["听取居民意见", "商户整改方案"],
     ["督促{grid}周边夜市商户安装油烟净化设备", "在{grid}设置夜市经营时段公示牌"]),
]

# name, kind, big party committee member, contact, phone, address, resources
PARTNERS = [
    ("昆明市第一人民医院", PartnerKind.HOSPITAL, True, "张主任", "0871-63188200", "青年路157号",
     [("义诊进社区", "每月一次"), ("健康讲座", "每季度一次")]),
    ("世纪城社区卫生服务中心", PartnerKind.HOSPITAL, True, "马医生", "0871-67161120",
     "世纪城中路12号", [("家庭医生签约", "常年"), ("慢病随访", "每月")]),
    ("中国工商银行世纪城支行", PartnerKind.BANK, True, "王行长", "0871-67168801",
     "世纪城商业街8号", [("反诈宣传志愿者", "每月两次"), ("适老化金融服务", "常年")]),
    ("中国建设银行世纪城支行", PartnerKind.BANK, False, "李经理", "0871-67168802",
     "世纪城商业街20号", [("劳动者港湾（爱心驿站）", "每日8:30-17:30")]),
    ("世纪城小学", PartnerKind.SCHOOL, True, "何校长", "0871-67169001", "世纪城西路3号",
     [("假期托管班", "寒暑假"), ("操场周末开放", "周末")]),
    ("世纪城中学", PartnerKind.SCHOOL, False, "胡老师", "0871-67169002", "世纪城西路9号",
     [("青少年志愿者", "每月一次")]),
    ("世纪城派出所", PartnerKind.POLICE, True, "杨警官", "0871-67162110", "世纪城东路1号",
     [("反诈讲座", "每季度一次"), ("夜间联合巡逻", "每周两次")]),
    ("官渡区人民法院", PartnerKind.COURT, True, "周法官", "0871-67168100", "关上中路99号",
     [("巡回法庭进社区", "每季度一次"), ("诉前调解", "按需")]),
    ("官渡区人民检察院", PartnerKind.COURT, False, "吴检察官", "0871-67168200",
     "关上中路120号", [("法治宣讲", "每半年一次")]),
    ("世纪城物业服务有限公司", PartnerKind.PROPERTY, True, "陈建国", "0871-67163300",
     "世纪城中路5号", [("公共设施维修工时", "每月40工时"), ("会议室", "工作日")]),
    ("世纪城购物中心", PartnerKind.COMPANY, False, "郭经理", "0871-67165500",
     "世纪城中路1号", [("中庭活动场地", "每月两次"), ("微心愿物资", "每季度")]),
    ("云南电网官渡供电局", PartnerKind.GOVERNMENT, False, "徐工", "0871-67166600",
     "官渡路22号", [("上门检查老旧线路", "按需")]),
    ("春城爱心社工服务中心", PartnerKind.SOCIAL, False, "林社工", "13888001234",
     "世纪城枫丹白鹭片区服务点", [("社工上门探访", "每周"), ("心理疏导", "按需")]),
]

# name, mode, at the first estate service point (else at the center), when, description
SERVICES = [
    ("养老保险资格认证", ServiceMode.WALK_IN, False, "工作日 9:00-12:00，14:00-17:00",
     "退休人员每年一次领取待遇资格认证，可现场刷脸认证。"),
    ("城乡居民医保登记", ServiceMode.WALK_IN, False, "工作日 9:00-17:00",
     "新生儿、新迁入居民医保参保登记与缴费咨询。"),
    ("居住证明开具", ServiceMode.WALK_IN, True, "每日 8:30-20:00", "凭身份证和房屋信息开具。"),
    ("高龄老人、残疾人上门服务", ServiceMode.DOOR_TO_DOOR, False, "预约后3个工作日内上门",
     "行动不便的高龄老人、残疾人可预约上门认证、登记与代办。"),
    ("高龄津贴申领", ServiceMode.WALK_IN, False, "工作日 9:00-17:00", "80周岁以上老人申领。"),
    ("就业与失业登记", ServiceMode.WALK_IN, False, "工作日 9:00-17:00",
     "就业失业登记、职业培训报名。"),
    ("法律咨询", ServiceMode.APPOINTMENT, False, "每周三 14:30-17:00 律师坐班",
     "婚姻家庭、劳动、物业纠纷等免费法律咨询。"),
    ("长者助餐", ServiceMode.WALK_IN, True, "每日 11:00-13:00", "60周岁以上老人优惠助餐。"),
    ("生育登记", ServiceMode.ONLINE, False, "全天，线上办理", "通过政务服务平台在线登记。"),
    ("党员组织关系转接", ServiceMode.WALK_IN, False, "工作日 9:00-17:00",
     "党员组织关系转入转出、双报到登记。"),
]

WISHES = ["微心愿：独居老人想要一台收音机", "微心愿：给孩子添一套文具",
          "微心愿：残疾人需要一副拐杖", "微心愿：教老人使用智能手机",
          "微心愿：想做一次免费体检", "微心愿：困难家庭需要过冬棉被",
          "微心愿：孩子暑期想参加托管班", "微心愿：卧床老人需要上门理发"]

TEAMS = [
    ("党员先锋志愿服务队", "在职党员双报到，参与环境整治、反诈宣传与帮扶。", True, 120),
    ("平安巡逻队", "夜间巡逻、消防安全检查与电动车充电劝导。", False, 25),
    ("邻里互助队", "为独居、高龄老人上门探访、代购与陪诊。", False, 20),
]

# theme: (how many of the 78, titles)
CAMPAIGN_THEMES = {
    Theme.LEGAL: (14, ("民法典进小区宣讲", "法律明白人培训", "巡回法庭进社区", "普法知识竞答")),
    Theme.FIRE_SAFETY: (14, ("高层住宅消防演练", "电动车安全充电宣传", "楼道消防隐患排查")),
    Theme.ANTI_FRAUD: (16, ("防范电信网络诈骗讲座", "反诈APP推广安装", "守护老人钱袋子宣传")),
    Theme.CLEAN_UP: (14, ("爱国卫生运动大扫除", "小区环境清洁日", "清理楼道小广告")),
    Theme.HEALTH: (8, ("义诊进社区", "慢病防治讲座")),
    Theme.ELDERLY: (7, ("重阳节敬老活动", "独居老人集中探访")),
    Theme.CULTURE: (5, ("邻里文化节", "社区广场舞展演")),
}
