//! The built-in Vietnamese notices, used until a province writes its own.
//! SMS are written without diacritics, as Vietnamese brandname SMS usually
//! are (a message with them takes 70 characters per segment, not 160).

use super::{Channel, Notice, Template};

const SIGNATURE: &str = "\n\nTrân trọng,\nBộ phận Tiếp nhận và Trả kết quả – {{co_quan}}";

/// The built-in template of `notice` on `channel`.
pub(super) fn template(notice: Notice, channel: Channel) -> Template {
    let (subject, body, sms) = match notice {
        Notice::Receipt => (
            "Hồ sơ {{ma_ho_so}} đã được tiếp nhận",
            "Kính gửi ông/bà {{ho_ten}},\n\n{{co_quan}} đã tiếp nhận hồ sơ {{ma_ho_so}} về thủ tục \
             \"{{thu_tuc}}\".\nThời gian hẹn trả kết quả: {{ngay_hen_tra}}.\n\nÔng/bà có thể tra cứu tình \
             trạng hồ sơ bằng mã hồ sơ và số điện thoại đã đăng ký.",
            "{{co_quan}}: da tiep nhan ho so {{ma_ho_so}}. Hen tra ket qua: {{ngay_hen_tra}}.",
        ),
        Notice::Supplement => (
            "Hồ sơ {{ma_ho_so}} cần bổ sung giấy tờ",
            "Kính gửi ông/bà {{ho_ten}},\n\nHồ sơ {{ma_ho_so}} (thủ tục \"{{thu_tuc}}\") cần bổ sung: \
             {{giay_to_thieu}}.\nLý do: {{ly_do}}.\nĐề nghị ông/bà bổ sung trước ngày {{han_bo_sung}}.",
            "{{co_quan}}: ho so {{ma_ho_so}} can bo sung giay to truoc ngay {{han_bo_sung}}. Chi tiet xem email \
             hoac lien he bo phan mot cua.",
        ),
        Notice::Payment => (
            "Hồ sơ {{ma_ho_so}}: đề nghị thực hiện nghĩa vụ tài chính",
            "Kính gửi ông/bà {{ho_ten}},\n\nĐể tiếp tục giải quyết hồ sơ {{ma_ho_so}} (thủ tục \
             \"{{thu_tuc}}\"), đề nghị ông/bà nộp số tiền {{so_tien}} đồng.",
            "{{co_quan}}: ho so {{ma_ho_so}} can nop {{so_tien}} dong de tiep tuc giai quyet.",
        ),
        Notice::ResultReady => (
            "Hồ sơ {{ma_ho_so}} đã có kết quả",
            "Kính gửi ông/bà {{ho_ten}},\n\nHồ sơ {{ma_ho_so}} (thủ tục \"{{thu_tuc}}\") đã có kết quả. \
             Mời ông/bà đến {{co_quan}} để nhận kết quả.",
            "{{co_quan}}: ho so {{ma_ho_so}} da co ket qua. Moi ong/ba den nhan ket qua.",
        ),
        Notice::Apology => (
            "Thư xin lỗi và hẹn lại ngày trả kết quả hồ sơ {{ma_ho_so}}",
            "Kính gửi ông/bà {{ho_ten}},\n\n{{co_quan}} xin lỗi ông/bà vì hồ sơ {{ma_ho_so}} (thủ tục \
             \"{{thu_tuc}}\") chưa được giải quyết đúng hẹn.\nLý do: {{ly_do}}.\nThời gian hẹn trả kết quả \
             mới: {{ngay_hen_moi}}.",
            "{{co_quan}} xin loi: ho so {{ma_ho_so}} tre han. Hen tra ket qua moi: {{ngay_hen_moi}}.",
        ),
        Notice::Refusal => (
            "Hồ sơ {{ma_ho_so}} không được tiếp nhận",
            "Kính gửi ông/bà {{ho_ten}},\n\n{{co_quan}} không tiếp nhận hồ sơ {{ma_ho_so}} (thủ tục \
             \"{{thu_tuc}}\").\nLý do: {{ly_do}}.",
            "{{co_quan}}: ho so {{ma_ho_so}} khong duoc tiep nhan. Ly do: {{ly_do}}.",
        ),
    };
    match channel {
        Channel::Email => Template { subject: Some(subject.into()), body: format!("{body}{SIGNATURE}") },
        Channel::Sms => Template { subject: None, body: sms.into() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_template_passes_the_checks_a_province_s_own_must() {
        for notice in Notice::ALL {
            for channel in Channel::ALL {
                let template = template(notice, channel);
                super::super::check(channel, template.subject.as_deref(), &template.body)
                    .unwrap_or_else(|e| panic!("{notice:?} {channel:?}: {e:?}"));
            }
        }
    }
}
